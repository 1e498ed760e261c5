// Says what a 5-field cron expression means, in words, for the common shapes;
// anything unusual is described field by field rather than guessed at.

const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const MONTHS = ["", "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const MACROS: Record<string, string> = {
  "@hourly": "every hour, on the hour",
  "@daily": "every day at 00:00",
  "@midnight": "every day at 00:00",
  "@weekly": "every Sunday at 00:00",
  "@monthly": "on the 1st of every month at 00:00",
  "@yearly": "every January 1st at 00:00",
  "@annually": "every January 1st at 00:00",
};

const isNum = (s: string) => /^\d+$/.test(s);
const pad = (s: string) => s.padStart(2, "0");
const ordinal = (n: number) => `${n}${n % 100 >= 11 && n % 100 <= 13 ? "th" : ["th", "st", "nd", "rd"][n % 10] ?? "th"}`;
const list = (items: string[]) => (items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`);

function dayNames(field: string): string | null {
  if (field === "1-5") return "weekdays";
  if (field === "0,6" || field === "6,0" || field === "6-7") return "weekends";
  const parts = field.split(",");
  if (parts.every(isNum)) return list(parts.map((p) => DAYS[Number(p)] ?? p));
  const range = /^(\d)-(\d)$/.exec(field);
  if (range) return `${DAYS[Number(range[1])]} to ${DAYS[Number(range[2])]}`;
  return null;
}

export function describeCron(input: string): string {
  const expr = input.trim().replace(/\s+/g, " ");
  const macro = MACROS[expr.toLowerCase()];
  if (macro) return macro;
  const f = expr.split(" ");
  if (f.length !== 5) return "";
  const [min = "", hour = "", dom = "", mon = "", dow = ""] = f;

  let time: string;
  if (min === "*" && hour === "*") time = "every minute";
  else if (/^\*\/\d+$/.test(min) && hour === "*") time = `every ${min.slice(2)} minutes`;
  else if (isNum(min) && hour === "*") time = `every hour at :${pad(min)}`;
  else if (isNum(min) && /^\*\/\d+$/.test(hour)) time = `every ${hour.slice(2)} hours at :${pad(min)}`;
  else if (isNum(min) && hour.split(",").every(isNum)) time = `at ${list(hour.split(",").map((h) => `${pad(h)}:${pad(min)}`))}`;
  else if (min.split(",").every(isNum) && isNum(hour)) time = `at ${list(min.split(",").map((m) => `${pad(hour)}:${pad(m)}`))}`;
  else time = `at minute ${min} of hour ${hour}`;

  const when: string[] = [];
  if (dom !== "*") when.push(dom.split(",").every(isNum) ? `on the ${list(dom.split(",").map((d) => ordinal(Number(d))))}` : `on day-of-month ${dom}`);
  if (dow !== "*") {
    const days = dayNames(dow);
    when.push(days ? `${dom !== "*" ? "or " : ""}on ${days}` : `on day-of-week ${dow}`);
  }
  if (mon !== "*") when.push(mon.split(",").every(isNum) ? `in ${list(mon.split(",").map((m) => MONTHS[Number(m)] ?? m))}` : `in months ${mon}`);
  if (when.length === 0) return time === "every minute" || time.startsWith("every") ? time : `every day ${time}`;
  return `${time} ${when.join(" ")}`;
}
