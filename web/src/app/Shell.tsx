import { lazy, Suspense, useCallback, useEffect, useRef, useState } from "react";
import { useFleet } from "../live/FleetProvider.tsx";
import { ConnectionBadge } from "../live/ConnectionBadge.tsx";
import { FleetView } from "../fleet/FleetView.tsx";
import { DesktopDetail } from "../desktops/DesktopDetail.tsx";
import { TaskConsole } from "../tasks/TaskConsole.tsx";
import { HelpInbox } from "../help/HelpInbox.tsx";
import { ChatSlideOver } from "../supervisor/ChatSlideOver.tsx";
import { useCan } from "../auth/session.ts";
import { Link } from "./Link.tsx";
import { matchRoute, useLocation, type Route } from "./router.ts";
import { Notifications } from "./Notifications.tsx";
import { FleetSwitch } from "../spend/FleetSwitch.tsx";

const AddDesktop = lazy(() => import("../desktops/AddDesktop.tsx").then((m) => ({ default: m.AddDesktop })));
const RunTask = lazy(() => import("../tasks/RunTask.tsx").then((m) => ({ default: m.RunTask })));
const HistoryView = lazy(() => import("../history/HistoryView.tsx").then((m) => ({ default: m.HistoryView })));
const SettingsView = lazy(() => import("../settings/SettingsView.tsx").then((m) => ({ default: m.SettingsView })));
const ProposalsView = lazy(() => import("../approvals/ProposalsView.tsx").then((m) => ({ default: m.ProposalsView })));
const SchedulesView = lazy(() => import("../schedules/SchedulesView.tsx").then((m) => ({ default: m.SchedulesView })));
const SupervisorChat = lazy(() => import("../supervisor/SupervisorChat.tsx").then((m) => ({ default: m.SupervisorChat })));
const AgentsView = lazy(() => import("../agents/AgentsView.tsx").then((m) => ({ default: m.AgentsView })));
const AgentEditor = lazy(() => import("../agents/AgentEditor.tsx").then((m) => ({ default: m.AgentEditor })));
const SkillsView = lazy(() => import("../agents/SkillsView.tsx").then((m) => ({ default: m.SkillsView })));
const SkillDetail = lazy(() => import("../agents/SkillDetail.tsx").then((m) => ({ default: m.SkillDetail })));
const MemoryView = lazy(() => import("../memory/MemoryView.tsx").then((m) => ({ default: m.MemoryView })));
const SpendView = lazy(() => import("../spend/SpendView.tsx").then((m) => ({ default: m.SpendView })));
const ScheduleDetail = lazy(() => import("../schedules/ScheduleDetail.tsx").then((m) => ({ default: m.ScheduleDetail })));

const NAV: { to: string; label: string; views: Route["view"][] }[] = [
  { to: "/", label: "Fleet", views: ["fleet", "desktop", "add-desktop"] },
  { to: "/tasks/new", label: "Run", views: ["run-task"] },
  { to: "/history", label: "History", views: ["history", "task"] },
  { to: "/schedules", label: "Schedules", views: ["schedules", "schedule"] },
  { to: "/agents", label: "Agents", views: ["agents", "agent", "skills", "skill"] },
  { to: "/memory", label: "Memory", views: ["memory"] },
  { to: "/spend", label: "Spend", views: ["spend"] },
  { to: "/help", label: "Help", views: ["help"] },
  { to: "/approvals", label: "Approvals", views: ["approvals"] },
  { to: "/settings", label: "Settings", views: ["settings"] },
];

function View({ route }: { route: Route }) {
  switch (route.view) {
    case "fleet":
      return <FleetView />;
    case "desktop":
      return <DesktopDetail id={route.id} />;
    case "add-desktop":
      return <AddDesktop />;
    case "run-task":
      return <RunTask desktopId={route.desktopId} />;
    case "task":
      return <TaskConsole id={route.id} />;
    case "history":
      return <HistoryView />;
    case "schedules":
      return <SchedulesView />;
    case "schedule":
      return <ScheduleDetail id={route.id} />;
    case "settings":
      return <SettingsView />;
    case "help":
      return <HelpInbox />;
    case "agents":
      return <AgentsView />;
    case "agent":
      return <AgentEditor key={route.name ?? "new"} name={route.name} />;
    case "skills":
      return <SkillsView />;
    case "skill":
      return <SkillDetail key={route.name} name={route.name} />;
    case "memory":
      return <MemoryView />;
    case "approvals":
      return <ProposalsView />;
    case "spend":
      return <SpendView />;
    case "supervisor":
      return <SupervisorView conversation={route.conversation} />;
    case "not-found":
      return (
        <p>
          Nothing here. <Link to="/">Back to the fleet</Link>
        </p>
      );
  }
}

/** The supervisor acts on the fleet and its chats may hold what people told it: operators and admins only. */
function SupervisorView({ conversation }: { conversation: string | null }) {
  if (!useCan("operator")) return <p className="muted">The supervisor is for operators and admins; viewers watch the fleet.</p>;
  return <SupervisorChat conversation={conversation} />;
}

const CHAT_OPEN = "deskfleet:supervisor-chat-open";

/** The frame around every view: navigation, live connection state, notifications. */
export function Shell() {
  const location = useLocation();
  const route = matchRoute(location);
  const { connection, helpOpen, proposalsPending } = useFleet();
  // Viewers cannot see or decide proposals: no link for them.
  const nav = NAV.filter((n) => n.to !== "/approvals" || proposalsPending !== null);
  const main = useRef<HTMLElement>(null);
  // Move focus to the new view so keyboard and screen-reader users land on it.
  useEffect(() => main.current?.focus({ preventScroll: true }), [location]);
  // The chat stays open across views (that is its point) and across reloads of this tab.
  const [chatOpen, setChatOpen] = useState(() => sessionStorage.getItem(CHAT_OPEN) === "1");
  const toggleChat = useCallback((open: boolean) => {
    setChatOpen(open);
    sessionStorage.setItem(CHAT_OPEN, open ? "1" : "0");
  }, []);
  // Opening the chat moves focus into it; closing it brings focus back to its button.
  const chatButton = useRef<HTMLButtonElement>(null);
  const [focusChat, setFocusChat] = useState(false);
  const chatFocused = useCallback(() => setFocusChat(false), []);
  const closeChat = useCallback(() => {
    toggleChat(false);
    chatButton.current?.focus();
  }, [toggleChat]);
  const canChat = useCan("operator");
  const showSlideOver = canChat && chatOpen && route.view !== "supervisor";
  return (
    <div className={showSlideOver ? "shell shell-chat-open" : "shell"}>
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand">
          Deskfleet
        </Link>
        <nav aria-label="Main">
          <ul>
            {nav.map((n) => (
              <li key={n.to}>
                <Link to={n.to} aria-current={n.views.includes(route.view) ? "page" : undefined}>
                  {n.label}
                  {n.to === "/help" && helpOpen > 0 && (
                    <span className="count" aria-label={`${helpOpen} open`}>
                      {helpOpen}
                    </span>
                  )}
                  {n.to === "/approvals" && proposalsPending !== null && proposalsPending > 0 && (
                    <span className="count" aria-label={`${proposalsPending} waiting`}>
                      {proposalsPending}
                    </span>
                  )}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        {canChat && route.view !== "supervisor" && (
          <button
            type="button"
            className="small"
            ref={chatButton}
            aria-expanded={showSlideOver}
            aria-controls="supervisor-chat"
            onClick={() => {
              setFocusChat(!chatOpen);
              toggleChat(!chatOpen);
            }}
          >
            Ask the supervisor
          </button>
        )}
        <FleetSwitch />
        <ConnectionBadge state={connection} />
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        <Suspense fallback={<p className="muted">Loading…</p>}>
          <View route={route} />
        </Suspense>
      </main>
      {showSlideOver && <ChatSlideOver onClose={closeChat} focusOnOpen={focusChat} onFocused={chatFocused} />}
      <Notifications />
    </div>
  );
}
