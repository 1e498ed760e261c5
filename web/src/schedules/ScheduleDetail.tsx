export function ScheduleDetail({ id }: { id: string }) {
  return <p>{id}</p>;
}
