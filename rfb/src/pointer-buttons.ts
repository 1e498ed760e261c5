// How clicks and wheel turns are spelled in RFB pointer events (RFC 6143
// §7.5.5), shared by the agent's desktop and the API's input so the two
// cannot click differently.

/** Button-mask bits of the mouse buttons. */
export const ButtonMask = { left: 1, middle: 2, right: 4 } as const;

/** The wheel's "buttons" 4–7: each notch is a press and a release of one of them. */
export const WheelMask = { up: 8, down: 16, left: 32, right: 64 } as const;

/**
 * Pause between the clicks of a double or triple click. Sent back to back,
 * both clicks reach the X server at once, and Chromium took about half such
 * double clicks for two single clicks, on Xvnc and x11vnc alike (20 of 20
 * counted with this gap). A person's gap is about this, well inside the
 * 400–500 ms double-click interval of desktops and browsers.
 */
export const MULTI_CLICK_GAP_MS = 80;
