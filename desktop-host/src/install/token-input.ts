import { closeSync, openSync } from "node:fs";
import { ReadStream, WriteStream } from "node:tty";

/** Longer than any token: stdin beyond this is not a token (someone piped a file by mistake). */
const MAX_INPUT = 4096;

export type Terminal = { input: ReadStream; output: NodeJS.WritableStream; close(): void };

export type SecretSource = {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  /** The controlling terminal, when standard input is not it (`curl … | sh` feeds the script there). */
  openTerminal: () => Terminal | null;
  /** Where the prompt goes when stdin itself is the terminal. */
  stderr: NodeJS.WritableStream;
};

/**
 * Reads a secret the way `--token-stdin` promises: from standard input when
 * something is piped or redirected there, else from the terminal with a
 * prompt and no echo. Run as `curl … | sh -s -- --token-stdin`, standard input
 * is the script and is at its end by now, so the terminal is asked. Null when
 * neither has it.
 */
export async function readSecret(source: SecretSource, prompt: string): Promise<string | null> {
  if (source.stdin.isTTY) return askHidden(source.stdin as ReadStream, source.stderr, prompt);
  const piped = firstLine(await readAll(source.stdin));
  if (piped) return piped;
  const terminal = source.openTerminal();
  if (!terminal) return null;
  try {
    return await askHidden(terminal.input, terminal.output, prompt);
  } finally {
    terminal.close();
  }
}

/** This process's controlling terminal (/dev/tty), or null when it has none (a service, CI). */
export function controllingTerminal(): Terminal | null {
  if (process.platform === "win32") return null;
  let fd: number;
  try {
    fd = openSync("/dev/tty", "r+");
  } catch {
    return null;
  }
  const input = new ReadStream(fd);
  const output = new WriteStream(fd);
  return {
    input,
    output,
    close: () => {
      input.destroy();
      try {
        closeSync(fd);
      } catch {
        // destroy() may have closed it already
      }
    },
  };
}

function firstLine(text: string): string {
  return text.split(/\r?\n/).map((l) => l.trim()).find((l) => l !== "") ?? "";
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = "";
  for await (const chunk of stream) {
    text += typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8");
    if (text.length > MAX_INPUT) throw new Error(`standard input holds more than ${MAX_INPUT} characters; pipe just the token`);
  }
  return text;
}

/** A prompt on a terminal in raw mode: nothing typed or pasted is echoed. Ctrl-C stops the process, Ctrl-D ends the input. */
function askHidden(input: ReadStream, output: NodeJS.WritableStream, prompt: string): Promise<string> {
  return new Promise((resolve) => {
    let value = "";
    const wasRaw = input.isRaw;
    input.setRawMode(true);
    input.setEncoding("utf8");
    output.write(prompt);
    const done = (result: string) => {
      input.off("data", onData);
      input.setRawMode(wasRaw);
      input.pause();
      output.write("\n");
      resolve(result.trim());
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n" || ch === "\u0004") return done(value);
        if (ch === "\u0003") {
          input.setRawMode(wasRaw);
          output.write("\n");
          process.exit(130);
        }
        if (ch === "\u007f" || ch === "\b") value = value.slice(0, -1);
        else if (ch >= " ") value += ch;
      }
    };
    input.on("data", onData);
    input.resume();
  });
}
