import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app/App.tsx";
import { MiniDesktop } from "./mini/MiniDesktop.tsx";
import { miniDesktopOf } from "./mini/init-data.ts";
import "./styles.css";

// `/mini/desktops/<id>` is the Telegram Mini App: one desktop, signed in by Telegram, no dashboard around it.
const miniDesktop = miniDesktopOf(window.location.pathname);

createRoot(document.getElementById("root")!).render(<StrictMode>{miniDesktop ? <MiniDesktop desktopId={miniDesktop} /> : <App />}</StrictMode>);
