import type { AnchorHTMLAttributes, MouseEvent } from "react";
import { navigate } from "./router.ts";

type Props = AnchorHTMLAttributes<HTMLAnchorElement> & { to: string };

/** A real link (middle-click, copy link) that navigates in place on a plain click. */
export function Link({ to, onClick, ...rest }: Props) {
  const handle = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={handle} {...rest} />;
}
