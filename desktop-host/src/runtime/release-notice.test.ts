import { describe, expect, it } from "vitest";
import { releaseNotice } from "./release-notice.ts";

describe("the release notice at welcome", () => {
  it("points an older host at deskfleet-host upgrade", () => {
    expect(releaseNotice("0.1.0", "0.2.0")).toBe("this host is deskfleet-host 0.1.0 and the control plane serves 0.2.0: run `deskfleet-host upgrade` to install it");
  });

  it("says that a newer host still works, and stays quiet when they match or the host is not a numbered release", () => {
    expect(releaseNotice("0.3.0", "0.2.0")).toMatch(/newer than the 0\.2\.0 the control plane serves/);
    expect(releaseNotice("0.2.0", "0.2.0")).toBeNull();
    expect(releaseNotice("dev", "0.2.0")).toBeNull();
  });
});
