import { describeCron } from "./cron-words.ts";
import { inZone, previewRuns } from "./next-runs.ts";
import type { TimingInput } from "@deskfleet/protocol/timing/schedule-spec";

/** What the timing means in words and its next five runs in the schedule's time zone, as you type. */
export function TimingPreview({ timing }: { timing: TimingInput }) {
  const preview = previewRuns(timing, Date.now());
  const words = timing.cron ? describeCron(timing.cron) : timing.intervalMinutes ? `every ${timing.intervalMinutes} minutes` : null;
  return (
    <div className="cron-preview" aria-live="polite" aria-label="Timing preview">
      {!preview.ok ? (
        <p className="error">{preview.message}</p>
      ) : (
        <>
          {words && <p>Runs {words} ({preview.timezone}).</p>}
          {preview.runs.length === 0 ? (
            <p className="muted">No runs ahead.</p>
          ) : (
            <>
              <p className="muted small">Next {preview.runs.length === 1 ? "run" : `${preview.runs.length} runs`}:</p>
              <ol aria-label="Next runs">
                {preview.runs.map((r) => (
                  <li key={r}>{inZone(r, preview.timezone)}</li>
                ))}
              </ol>
            </>
          )}
        </>
      )}
    </div>
  );
}
