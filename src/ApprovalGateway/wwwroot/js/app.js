// The live approval page: plain DOM, no build step. Every value from the server is written with textContent,
// never as HTML, because tool arguments come from agents and may carry anything.
"use strict";

(() => {
  const FOLD_STRING = 160;
  const FOLD_STRING_HEAD = 100;
  const FOLD_ARRAY = 25;
  const HISTORY_LIMIT = 200;
  const SECRET_KEY = /(secret|passw(or)?d|passphrase|credential|authorization|signature|mnemonic|cookie|api[-_]?key|priv(ate)?[-_]?key)/i;
  const MASK = "***";

  const $ = (selector, root = document) => root.querySelector(selector);
  const approvals = new Map();
  const grants = new Map();
  // Bumped by every pushed grant list, so a fetched list that was already on its way is not applied over it.
  let grantsVersion = 0;
  // Whether the grant list has been read whole (fetched, or pushed): until then, and again after a read fails, the page
  // does not know which grants let calls through without asking, so it says "not known", never "0 in force".
  let grantsRead = false;
  // Why the last read of the grant list failed, until one succeeds.
  let grantsError = null;
  // The grant whose row asks "Revoke grant for …?": kept across re-renders (a push, a grant running out).
  let confirmingRevoke = null;
  // The grant whose confirming Revoke had the focus when pressed: where focus goes on when its row ends.
  let revokingFocused = null;
  let clockSkew = 0;
  let csrfToken = null;
  // Whether the pending list has been read from the gateway and its last read did not fail: until then an empty list
  // means "not known yet", and while the page cannot reach the gateway it may be out of date, never "nothing waiting".
  let pendingRead = false;
  // Why the last read of the pending list failed, until one succeeds: the list may then miss calls that wait.
  let pendingError = null;
  // Calls this page is deciding: their own answer says how it went, so the push of the same change says nothing more.
  const deciding = new Set();
  // Calls ticked on their cards to reject together.
  const picked = new Set();
  // When a card last moved: one put above others (a sooner deadline) or taken away from above them. A click that lands
  // within MOVE_GUARD_MS of it may be meant for the card that was under the pointer before.
  let cardsMovedAt = -Infinity;
  const MOVE_GUARD_MS = 1000;
  const loaded = { tools: false, audit: false };
  // Who this page is signed in as (GET /api/me): a rule names its approvers, so only some calls wait for this one.
  let me = null;

  // ---------- API ----------

  class ApiError extends Error {
    constructor(status, message, body) {
      super(message);
      this.status = status;
      this.body = body;
    }
  }

  function signIn() {
    window.location.assign("/login?returnUrl=" + encodeURIComponent(location.pathname + location.hash));
  }

  async function readBody(response) {
    const text = await response.text();
    try {
      return text ? JSON.parse(text) : null;
    } catch {
      return text;
    }
  }

  function messageOf(body, fallback) {
    if (body && typeof body === "object") {
      return body.message || body.detail || body.error || body.title || fallback;
    }
    return typeof body === "string" && body.trim() && body.length < 300 ? body.trim() : fallback;
  }

  async function request(url, options = {}) {
    const response = await fetch(url, {
      credentials: "same-origin",
      headers: { Accept: "application/json", ...(options.headers || {}) },
      ...options,
    });
    if (response.status === 401 || (response.redirected && new URL(response.url).pathname === "/login")) {
      signIn();
      throw new ApiError(401, "Your sign-in has expired.", null);
    }
    const serverDate = Date.parse(response.headers.get("Date") || "");
    // The Date header has one-second resolution: only correct the clock when it is clearly off.
    if (!Number.isNaN(serverDate) && Math.abs(serverDate - Date.now()) > 2000) {
      clockSkew = serverDate - Date.now();
    }
    return response;
  }

  async function getJson(url) {
    const response = await request(url);
    const body = await readBody(response);
    if (!response.ok) {
      throw new ApiError(response.status, messageOf(body, `${url} answered ${response.status}`), body);
    }
    return body;
  }

  async function csrf(refresh = false) {
    if (!csrfToken || refresh) {
      const body = await getJson("/api/antiforgery");
      csrfToken = body.token || body.request_token || body.requestToken;
      $("#signout-token").value = csrfToken || "";
    }
    return csrfToken;
  }

  async function postJson(url, payload, retried = false) {
    const token = await csrf();
    const response = await request(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-TOKEN": token },
      body: JSON.stringify(payload),
    });
    const body = await readBody(response);
    // A token from before a sign-in no longer validates: fetch a fresh one once.
    if (response.status === 400 && !retried && /anti-?forgery/i.test(messageOf(body, ""))) {
      await csrf(true);
      return postJson(url, payload, true);
    }
    return { status: response.status, ok: response.ok, body };
  }

  const now = () => Date.now() + clockSkew;

  // ---------- Model ----------

  const lower = (value) => (value == null ? "" : String(value).toLowerCase());

  // One shape for both doors: GET /api/approvals and the hub's approvalChanged push send the same ApprovalView.
  function normalize(raw) {
    const votes = (raw.votes || []).map((v) => ({
      approver: v.approver,
      approve: lower(v.decision) === "approve",
      reason: v.reason || null,
      at: Date.parse(v.at),
      channel: v.channel || "",
      grantMinutes: v.grant_minutes ?? null,
    }));
    return {
      id: String(raw.id),
      status: lower(raw.status),
      agent: raw.agent || "unknown agent",
      sessionId: raw.session_id || "",
      upstream: raw.upstream || "",
      tool: raw.tool || "",
      arguments: raw.arguments ?? null,
      argumentsSha256: raw.arguments_sha256 || "",
      risk: lower(raw.risk),
      riskReason: raw.risk_reason || "",
      heldBecause: raw.held_because || "",
      argumentProblems: Array.isArray(raw.argument_problems) ? raw.argument_problems.map(String) : [],
      category: lower(raw.category),
      rule: raw.rule || "",
      requestedAt: Date.parse(raw.requested_at),
      deadline: Date.parse(raw.deadline),
      approvalsRequired: raw.approvals_required ?? 1,
      grantMax: raw.grant_minutes_max ?? 0,
      votes,
      reason: raw.reason || null,
      resolvedAt: raw.resolved_at ? Date.parse(raw.resolved_at) : null,
      grantRevoked: raw.grant_revoked
        ? { by: raw.grant_revoked.by, at: Date.parse(raw.grant_revoked.at), reason: raw.grant_revoked.reason || null }
        : null,
      approvers: raw.approvers || [],
      agentOwner: raw.agent_owner || "",
      ownerMayApprove: raw.owner_may_approve !== false,
      granted: raw.granted_until ? { minutes: raw.granted_minutes ?? null, until: Date.parse(raw.granted_until) } : null,
      releasedByGrant: raw.released_by_grant
        ? { approvalId: raw.released_by_grant.approval_id || "", grantedBy: (raw.released_by_grant.granted_by || []).map(String) }
        : null,
      // A policy edit while the call waited gave less of a grant than was asked for: none (minutes 0) or a shorter one.
      grantLimit: raw.grant_limit ? { minutes: raw.grant_limit.minutes ?? 0, why: String(raw.grant_limit.why || "") } : null,
    };
  }

  // Pushes and fetched lists can arrive in any order: a resolution never goes back to pending,
  // a pending item only moves forward in votes, and a resolved one changes only when its grant is revoked.
  function isNewer(next, previous) {
    if (!previous) return true;
    if (previous.status !== "pending") return next.status === previous.status && !!next.grantRevoked && !previous.grantRevoked;
    if (next.status !== "pending") return true;
    return next.votes.length >= previous.votes.length;
  }

  function upsert(raw, announce) {
    const next = normalize(raw);
    const previous = approvals.get(next.id);
    if (!isNewer(next, previous)) return;
    approvals.set(next.id, next);
    if (next.status === "pending") {
      renderPending(next, previous);
      if (announce && !previous) {
        sayHeld(next);
        // Only a call held just now: one listed on load or reconnect, or a vote on one held before, is not news.
        if (next.votes.length === 0) notifyHeld(next);
      }
    } else {
      removePending(next.id);
      // Seen and heard: a card that vanishes while an approver reads it (or types a reason) needs a why. One
      // message, with the agent and who decided; the approver's own decision has its own, from decide().
      if (announce && previous?.status === "pending" && !deciding.has(next.id)) toast(`${decidedText(next)}.`);
      redrawSoon("history");
    }
    redrawSoon("counts");
  }

  // A list read upserts every approval at once: History and the counts (which look at every card) are drawn once after
  // them, not once per approval. Drawn per approval, a few thousand waiting calls froze the page for minutes, just when
  // an approver most needs it. A single push still redraws before the browser paints.
  const redraws = new Set();
  function redrawSoon(part) {
    if (redraws.size === 0) {
      queueMicrotask(() => {
        const parts = [...redraws];
        redraws.clear();
        if (parts.includes("history")) renderHistory();
        if (parts.includes("counts")) renderCounts();
      });
    }
    redraws.add(part);
  }

  // ---------- Labels ----------

  const RISK_TONE = { low: "ok", medium: "warn", high: "high", critical: "bad" };
  const STATUS_TONE = { approved: "ok", rejected: "bad", expired: "warn", withdrawn: "" };
  const ACTION_TONE = {
    allowed: "ok", allow: "ok",
    approval_required: "warn", require_approval: "warn",
    denied: "bad", deny: "bad",
    hidden: "", hide: "",
    rate_limited: "info", rate_limit: "info",
  };

  const words = (value) => {
    const text = lower(value).replaceAll("_", " ");
    return text ? text[0].toUpperCase() + text.slice(1) : "";
  };

  // Tool and agent names in a narrow column break where a reader would (after _ . / : - and between camelCase
  // words: "exchange_/place_/order", "Binance/Spot/Cancel"), not at whichever letter reaches the edge.
  function breakable(text) {
    const fragment = document.createDocumentFragment();
    const parts = String(text ?? "").split(/(?<=[_./:-])|(?<=[a-z0-9])(?=[A-Z])/);
    parts.forEach((part, i) => {
      if (i > 0) fragment.append(document.createElement("wbr"));
      fragment.append(part);
    });
    return fragment;
  }

  function badge(text, tone) {
    const span = document.createElement("span");
    span.className = "badge";
    if (tone) span.dataset.tone = tone;
    span.textContent = text;
    return span;
  }

  function deciders(a) {
    return [...new Set(a.votes.map((v) => v.approver))];
  }

  // "bob approved exchange_place_order for trader-bot": what an approver looking at that call needs when it is
  // decided under them, so they know which card went and why.
  function decidedText(a) {
    // Votes it had gathered did not approve it: the grant did.
    if (a.status === "approved" && a.releasedByGrant) {
      return `The time-boxed grant of ${a.releasedByGrant.grantedBy.join(" and ")} released ${a.tool} for ${a.agent}`;
    }
    const who = deciders(a);
    const verb = { approved: "approved", rejected: "rejected" }[a.status];
    if (verb && who.length) {
      const names = who.length === 1 ? who[0] : `${who.slice(0, -1).join(", ")} and ${who.at(-1)}`;
      return `${names} ${verb} ${a.tool} for ${a.agent}`;
    }
    return `${a.tool} for ${a.agent}: ${describeOutcome(a)}`;
  }

  function describeOutcome(a) {
    const who = deciders(a).join(", ");
    // A grant given while the call waited released it: nobody voted on this call itself.
    if (a.status === "approved" && a.releasedByGrant) {
      return `released by the time-boxed grant of ${a.releasedByGrant.grantedBy.join(" and ")}`;
    }
    switch (a.status) {
      case "approved": return who ? `approved by ${who}` : "approved";
      case "rejected": return who ? `rejected by ${who}` : "rejected";
      case "expired": return "expired: nobody decided before the deadline";
      // Not always the agent's doing: a gateway shutting down or an instance lost withdraws calls too, and says so.
      case "withdrawn": return a.reason ? "withdrawn before a decision" : "withdrawn by the agent";
      case "gone": return "gone: the gateway no longer knows it";
      default: return a.status;
    }
  }

  // With their zone: Slack prompts and the audit CSV say UTC, and approvers compare times across them.
  const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit", timeZoneName: "short" });
  const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "long" });

  function formatWhen(ms) {
    if (Number.isNaN(ms) || ms == null) return "";
    const sameDay = new Date(ms).toDateString() === new Date(now()).toDateString();
    return sameDay ? timeFormat.format(ms) : dateTimeFormat.format(ms);
  }

  function timeElement(ms) {
    const el = document.createElement("time");
    if (!Number.isNaN(ms) && ms != null) {
      el.dateTime = new Date(ms).toISOString();
      el.title = dateTimeFormat.format(ms);
      el.textContent = formatWhen(ms);
    }
    return el;
  }

  function formatRemaining(ms) {
    if (ms <= 0) return "Deadline passed";
    const total = Math.ceil(ms / 1000);
    const hours = Math.floor(total / 3600);
    const minutes = Math.floor((total % 3600) / 60);
    const seconds = total % 60;
    if (hours > 0) return `${hours} h ${String(minutes).padStart(2, "0")} min left`;
    return `${minutes}:${String(seconds).padStart(2, "0")} left`;
  }

  // "4 min 12 s", for screen readers: they read "4:12" as a time of day.
  function spokenRemaining(ms) {
    const total = Math.ceil(ms / 1000);
    const hours = Math.floor(total / 3600);
    const minutes = Math.floor((total % 3600) / 60);
    const seconds = total % 60;
    if (hours > 0) return `${hours} h ${minutes} min`;
    if (minutes === 0) return `${seconds} s`;
    return seconds > 0 ? `${minutes} min ${seconds} s` : `${minutes} min`;
  }

  // How long a call waited or took, as a person reads it ("3 min 3 s", not "183,452 ms"); the exact count is its title.
  const secondsFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

  function formatDuration(ms) {
    if (ms < 1) return "<1 ms";
    if (ms < 999.5) return `${Math.round(ms)} ms`;
    if (ms < 59950) return `${secondsFormat.format(Math.round(ms / 100) / 10)} s`;
    const seconds = Math.round(ms / 1000);
    if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
    const minutes = Math.round(seconds / 60);
    return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
  }

  function durationElement(ms) {
    const el = document.createElement("span");
    el.className = "duration";
    el.title = `${ms.toLocaleString()} ms`;
    el.textContent = formatDuration(ms);
    return el;
  }

  // ---------- Arguments ----------

  function span(className, text) {
    const el = document.createElement("span");
    el.className = className;
    el.textContent = text;
    return el;
  }

  function foldButton(label, onExpand) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "fold";
    button.textContent = label;
    button.setAttribute("aria-expanded", "false");
    button.addEventListener("click", () => {
      onExpand();
      button.remove();
    });
    return button;
  }

  // Characters that change how a value looks without showing themselves: controls, format characters (zero widths,
  // bidi overrides and isolates, the byte order mark, tag characters), line and paragraph separators, lone
  // surrogates, and characters that draw nothing (variation selectors but the emoji ones U+FE0E/U+FE0F, fillers,
  // the blank braille pattern), in which a whole message can hide. Each is shown as a highlighted \u escape; the
  // Slack prompt (Slack/InvisibleCharacters.cs) does the same. Tab, line feed and carriage return are controls too,
  // but JSON writes them as visible escapes anyway.
  const HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\u034F\u115F\u1160\u17B4\u17B5\u180B-\u180F\u2800\u3164\uFE00-\uFE0D\uFFA0\uFFF0-\uFFF8\u{E0000}-\u{E0FFF}]/u;
  const JSON_ESCAPES = new Map([["\"", "\\\""], ["\\", "\\\\"], ["\n", "\\n"], ["\r", "\\r"], ["\t", "\\t"]]);

  const isHidden = (ch) => !JSON_ESCAPES.has(ch) && HIDDEN.test(ch);
  const codePointName = (codePoint) => "U+" + codePoint.toString(16).toUpperCase().padStart(4, "0");

  // JSON's own escape: a character beyond the BMP as its surrogate pair, as JSON.stringify would write it.
  function unicodeEscape(ch) {
    let text = "";
    for (let i = 0; i < ch.length; i++) {
      text += "\\u" + ch.charCodeAt(i).toString(16).toUpperCase().padStart(4, "0");
    }
    return text;
  }

  // A JSON string literal that shows exactly the value the upstream gets: hidden characters as escapes.
  function jsonLiteral(className, value, ellipsis = "") {
    const el = document.createElement("span");
    el.className = className;
    let plain = "\"";
    for (const ch of value) {
      if (JSON_ESCAPES.has(ch)) {
        plain += JSON_ESCAPES.get(ch);
      } else if (isHidden(ch)) {
        el.append(plain);
        plain = "";
        const escape = span("j-hidden", unicodeEscape(ch));
        escape.title = `Hidden character ${codePointName(ch.codePointAt(0))}`;
        el.append(escape);
      } else {
        plain += ch;
      }
    }
    el.append(plain + ellipsis + "\"");
    return el;
  }

  // Scans the whole value, folded parts and keys included, and skips what the page masks.
  function hiddenCharacters(value, key, found = new Set()) {
    const scan = (text) => {
      for (const ch of text) {
        if (isHidden(ch)) found.add(ch.codePointAt(0));
      }
    };
    if (key !== undefined && SECRET_KEY.test(key) && (value === null || typeof value !== "object")) return found;
    if (typeof value === "string") {
      scan(value);
    } else if (Array.isArray(value)) {
      value.forEach((item) => hiddenCharacters(item, undefined, found));
    } else if (value !== null && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) {
        scan(k);
        hiddenCharacters(v, k, found);
      }
    }
    return found;
  }

  function renderString(parent, value) {
    if (value.length <= FOLD_STRING) {
      parent.append(jsonLiteral("j-str", value));
      return;
    }
    const last = value.charCodeAt(FOLD_STRING_HEAD - 1);
    const cut = last >= 0xd800 && last <= 0xdbff ? FOLD_STRING_HEAD - 1 : FOLD_STRING_HEAD;
    const head = jsonLiteral("j-str", value.slice(0, cut), "…");
    parent.append(head, foldButton(`Show all ${value.length.toLocaleString()} characters`, () => {
      head.replaceWith(jsonLiteral("j-str", value));
    }));
  }

  // Heard as "masked secret", not as three stars (or nothing, where punctuation is not read).
  function maskSpan() {
    const el = span("j-mask", MASK);
    el.append(span("sr-only", " (masked secret)"));
    return el;
  }

  function renderValue(parent, value, depth, key) {
    const pad = "  ".repeat(depth + 1);
    const close = "  ".repeat(depth);
    if (key !== undefined && SECRET_KEY.test(key) && (value === null || typeof value !== "object")) {
      parent.append(maskSpan());
      return;
    }
    if (value === MASK) {
      parent.append(maskSpan());
    } else if (value === null || typeof value === "boolean") {
      parent.append(span("j-lit", String(value)));
    } else if (typeof value === "number") {
      parent.append(span("j-num", String(value)));
    } else if (typeof value === "string") {
      renderString(parent, value);
    } else if (Array.isArray(value)) {
      if (value.length === 0) {
        parent.append("[]");
        return;
      }
      parent.append("[\n");
      const renderItems = (items, start) => {
        items.forEach((item, i) => {
          parent.insertBefore(document.createTextNode(pad), tail);
          const holder = document.createDocumentFragment();
          renderValue(holder, item, depth + 1);
          parent.insertBefore(holder, tail);
          parent.insertBefore(document.createTextNode(start + i < value.length - 1 ? ",\n" : "\n"), tail);
        });
      };
      const tail = document.createTextNode(close + "]");
      parent.append(tail);
      const shown = value.length > FOLD_ARRAY ? value.slice(0, FOLD_ARRAY) : value;
      renderItems(shown, 0);
      if (shown.length < value.length) {
        const more = foldButton(`Show ${value.length - shown.length} more items`, () => {
          renderItems(value.slice(shown.length), shown.length);
        });
        parent.insertBefore(document.createTextNode(pad), tail);
        parent.insertBefore(more, tail);
        parent.insertBefore(document.createTextNode("\n"), tail);
      }
    } else {
      const entries = Object.entries(value);
      if (entries.length === 0) {
        parent.append("{}");
        return;
      }
      parent.append("{\n");
      entries.forEach(([k, v], i) => {
        parent.append(pad, jsonLiteral("j-key", k), ": ");
        renderValue(parent, v, depth + 1, k);
        parent.append(i < entries.length - 1 ? ",\n" : "\n");
      });
      parent.append(close + "}");
    }
  }

  function renderArgumentsWarning(warning, args) {
    const found = [...hiddenCharacters(args)].sort((x, y) => x - y);
    if (found.length === 0) return;
    const names = found.slice(0, 8).map(codePointName).join(", ") + (found.length > 8 ? ", …" : "");
    warning.textContent = `The arguments contain invisible or direction-changing characters (${names}), shown highlighted as \\u escapes.`;
    warning.hidden = false;
  }

  function renderArguments(pre, args) {
    pre.replaceChildren();
    if (args == null || (typeof args === "object" && Object.keys(args).length === 0)) {
      pre.append(span("j-lit", "No arguments"));
      return;
    }
    renderValue(pre, args, 0);
  }

  // ---------- Pending ----------

  const pendingList = () => $("#pending-list");

  // Each pending card by its approval's id: with thousands waiting, finding one by a selector over the list, once per
  // approval read, was most of the time a list read took.
  const cards = new Map();

  function cardOf(id) {
    return cards.get(id) || null;
  }

  // The first card whose deadline is later than this one's, by halving: the list is kept in deadline order.
  function cardAfter(deadline) {
    const list = pendingList().children;
    let low = 0;
    let high = list.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((approvals.get(list[middle].dataset.id)?.deadline ?? Infinity) > deadline) high = middle;
      else low = middle + 1;
    }
    return list[low] || null;
  }

  function renderPending(a, previous) {
    let card = cardOf(a.id);
    if (!card) {
      card = buildCard(a);
      cards.set(a.id, card);
      const later = cardAfter(a.deadline);
      pendingList().insertBefore(card, later);
      if (later) cardsMovedAt = Date.now();
    } else if (previous) {
      renderVotes(card, a);
      renderMyPart(card, a);
    }
    updateCountdown(card, a);
  }

  // A screen reader tabbing onto a box of arguments hears whose they are, as it does for the card's buttons.
  function argumentsName(call) {
    if (!call.tool) return "Arguments";
    return call.agent ? `Arguments of ${call.tool} from ${call.agent}` : `Arguments of ${call.tool}`;
  }

  function buildCard(a) {
    const card = $("#pending-template").content.firstElementChild.cloneNode(true);
    const titleId = `title-${a.id}`;
    card.dataset.id = a.id;
    card.dataset.risk = a.risk;
    // A screen reader swiping through cards hears which call each is, not a tool name that repeats per agent.
    card.setAttribute("aria-label", `${a.tool} from ${a.agent}`);
    card.tabIndex = -1;
    const title = $(".tool", card);
    title.id = titleId;
    // Heard when moving by headings too, the usual way through a page with a screen reader.
    title.append(a.tool, span("sr-only", ` from ${a.agent}`));
    const risk = $(".risk", card);
    risk.textContent = `${words(a.risk) || "Unknown"} risk${a.category ? " · " + words(a.category) : ""}`;
    if (RISK_TONE[a.risk]) risk.dataset.tone = RISK_TONE[a.risk];
    $(".agent", card).textContent = a.agent;
    const box = $(".pick-box", card);
    box.setAttribute("aria-label", `Select ${a.tool} from ${a.agent} to reject`);
    box.addEventListener("change", () => setPicked(a.id, box.checked));
    const pickAgent = $(".pick-agent", card);
    pickAgent.textContent = `Select all from ${a.agent}`;
    pickAgent.addEventListener("click", () => {
      for (const c of pendingList().children) {
        if (approvals.get(c.dataset.id)?.agent === a.agent) setPicked(c.dataset.id, true);
      }
    });
    $(".upstream", card).textContent = a.upstream;
    $(".rule", card).textContent = a.rule;
    $(".asked", card).append(timeElement(a.requestedAt));
    const reason = $(".risk-reason", card);
    if (a.heldBecause || a.riskReason) {
      const label = document.createElement("strong");
      label.textContent = "Why it is held: ";
      reason.append(label, a.heldBecause ? `${a.heldBecause}. Risk: ${a.riskReason}` : a.riskReason);
    } else {
      reason.remove();
    }
    const pre = $(".json", card);
    pre.setAttribute("aria-label", argumentsName(a));
    renderArguments(pre, a.arguments);
    const warning = $(".args-warning", card);
    warning.id = `args-warning-${a.id}`;
    const schema = $(".args-schema", card);
    schema.id = `args-schema-${a.id}`;
    pre.setAttribute("aria-describedby", `${warning.id} ${schema.id}`);
    renderArgumentsWarning(warning, a.arguments);
    if (a.argumentProblems.length > 0) {
      $("ul", schema).replaceChildren(...a.argumentProblems.map((p) => {
        const li = document.createElement("li");
        li.textContent = p;
        return li;
      }));
      schema.hidden = false;
    }

    const form = $(".decide", card);
    const reasonInput = $(".reason", card);
    reasonInput.id = `reason-${a.id}`;
    reasonInput.closest("label").htmlFor = reasonInput.id;
    const error = $(".form-error", card);
    error.id = `error-${a.id}`;
    reasonInput.setAttribute("aria-describedby", error.id);
    if (a.grantMax > 0) {
      const grant = $(".grant", card);
      const select = $(".grant-minutes", card);
      select.id = `grant-${a.id}`;
      grant.htmlFor = select.id;
      grant.hidden = false;
      const options = [[0, "Only this call"], ...[5, 15, 30, 60, 240, 480].filter((m) => m < a.grantMax).map((m) => [m, m < 60 ? `${m} minutes` : `${m / 60} h`]), [a.grantMax, `${a.grantMax} minutes (longest)`]];
      for (const [value, label] of options) {
        select.append(new Option(label, String(value)));
      }
    }
    for (const button of form.querySelectorAll("[data-decision]")) {
      const verb = button.dataset.decision === "approve" ? "Approve" : "Reject";
      button.setAttribute("aria-label", `${verb} ${a.tool} from ${a.agent}`);
      button.addEventListener("click", (event) => {
        // A pointer click (detail > 0; a key press on a focused button has 0) just after the cards moved may have
        // landed on a call the approver never saw: the one that slid under the pointer.
        if (event.detail > 0 && Date.now() - cardsMovedAt < MOVE_GUARD_MS) {
          toast("The list just changed under the pointer, so that click was not counted: check the call and click again.", "warn");
          return;
        }
        decide(card, a.id, button.dataset.decision);
      });
    }
    // Enter in the reason box decides nothing (it used to approve, or reject with the reason): only the buttons decide.
    form.addEventListener("submit", (event) => event.preventDefault());
    reasonInput.addEventListener("input", () => {
      reasonInput.removeAttribute("aria-invalid");
      error.textContent = "";
    });
    renderVotes(card, a);
    renderMyPart(card, a);
    return card;
  }

  function renderVotes(card, a) {
    const votes = $(".votes", card);
    if (a.votes.length === 0 && a.approvalsRequired <= 1) {
      votes.hidden = true;
      return;
    }
    const yes = a.votes.filter((v) => v.approve).map((v) => v.approver);
    votes.hidden = false;
    votes.textContent = `${yes.length} of ${a.approvalsRequired} approvals${yes.length ? ": " + yes.join(", ") : ""}.`;
  }

  function removePending(id) {
    const card = cardOf(id);
    if (!card) return;
    // Keep keyboard users in place: focus moves to the next card (or the list's heading), not to <body>.
    const hadFocus = card.contains(document.activeElement) || card.dataset.hadFocus === "true";
    const next = card.nextElementSibling || card.previousElementSibling;
    if (card.nextElementSibling) cardsMovedAt = Date.now();
    card.remove();
    cards.delete(id);
    picked.delete(id);
    if (hadFocus) {
      // The card, not its Approve button: a screen reader then reads which call it is before anything else, and a
      // second Enter pressed on the way cannot approve a call its approver never read.
      const target = next || $("#view-pending h1");
      target.tabIndex = -1;
      target.focus();
    }
  }

  async function decide(card, id, decision) {
    const a = approvals.get(id);
    if (!a || a.status !== "pending") return;
    const reasonInput = $(".reason", card);
    const error = $(".form-error", card);
    const reason = reasonInput.value.trim();
    error.textContent = "";
    if (decision === "reject" && !reason) {
      error.textContent = "Say why you reject it: the agent and the audit log get this reason.";
      reasonInput.setAttribute("aria-invalid", "true");
      reasonInput.focus();
      return;
    }
    const payload = { decision, reason: reason || null };
    const grant = Number($(".grant-minutes", card)?.value || 0);
    if (decision === "approve" && grant > 0) payload.grant_minutes = grant;

    const buttons = card.querySelectorAll("[data-decision]");
    // Disabling the pressed button drops focus to <body>: remember it, for the card's end (focus goes to the next
    // call) or its return (focus comes back here).
    const focused = card.contains(document.activeElement) ? document.activeElement : null;
    if (focused) card.dataset.hadFocus = "true";
    buttons.forEach((b) => { b.disabled = true; });
    card.setAttribute("aria-busy", "true");
    deciding.add(id);
    try {
      const result = await postJson(`/api/approvals/${encodeURIComponent(id)}/decision`, payload);
      const message = messageOf(result.body, "");
      if (result.body?.approval) upsert(result.body.approval, false);
      if (result.ok) {
        if (result.body?.result === "awaiting_more_approvals") {
          // Not an error: the card's note now says the approval counted and what it waits for.
          if (!result.body?.approval) error.textContent = message || "Your approval counted; it needs more approvers.";
        } else {
          toast(message || `${a.tool}: ${decision === "approve" ? "approved" : "rejected"}.`);
        }
      } else if (result.status === 409) {
        // The gateway's "Already approved by bob" does not say which call: name it from the approval it sends back.
        const decided = result.body?.approval ? normalize(result.body.approval) : null;
        toast(decided && ["approved", "rejected"].includes(decided.status) && deciders(decided).length
          ? `${decidedText(decided)} first; your ${decision === "approve" ? "approval" : "rejection"} was not counted.`
          : `${a.tool} for ${a.agent}: ${message || "someone else decided it first"}.`, "bad");
        await refreshOne(id);
      } else if (result.status === 404) {
        toast(`${a.tool}: the gateway no longer knows this call (it restarted, or the record ended); nothing was decided.`, "bad");
        forget(id);
      } else {
        error.textContent = message || `The gateway refused the decision (${result.status}).`;
      }
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) {
        error.textContent = `Could not send the decision: ${e.message}`;
      }
    } finally {
      deciding.delete(id);
      card.removeAttribute("aria-busy");
      buttons.forEach((b) => { b.disabled = false; });
      const now = approvals.get(id);
      if (now?.status === "pending") renderMyPart(card, now);
      delete card.dataset.hadFocus;
      if (focused?.isConnected && document.activeElement === document.body) (focused.disabled ? $(".btn-reject", card) : focused).focus();
    }
  }

  // ---------- Rejecting several ----------

  function setPicked(id, on) {
    const card = cardOf(id);
    if (!card) return;
    if (on) picked.add(id); else picked.delete(id);
    card.classList.toggle("picked", on);
    $(".pick-box", card).checked = on;
    renderSelection();
  }

  function renderSelection() {
    const cards = [...pendingList().children];
    const perAgent = new Map();
    for (const c of cards) {
      const agent = approvals.get(c.dataset.id)?.agent;
      perAgent.set(agent, (perAgent.get(agent) || 0) + 1);
    }
    for (const c of cards) {
      $(".pick-agent", c).hidden = (perAgent.get(approvals.get(c.dataset.id)?.agent) || 0) < 2;
    }
    const count = picked.size;
    $("#bulk").hidden = count === 0;
    $("#bulk-count").textContent = `${count} call${count === 1 ? "" : "s"} selected to reject.`;
    $("#bulk-reject").textContent = `Reject ${count} selected`;
  }

  // Each call is its own decision, sent as its card's Reject button sends it: the gateway authorises and audits
  // each one, and says for each whether it went through.
  async function rejectPicked() {
    const reasonInput = $("#bulk-reason");
    const error = $("#bulk-error");
    const reason = reasonInput.value.trim();
    error.textContent = "";
    if (!reason) {
      error.textContent = "Say why you reject them: each agent and the audit log get this reason.";
      reasonInput.setAttribute("aria-invalid", "true");
      reasonInput.focus();
      return;
    }
    const result = $("#bulk-result");
    result.hidden = true;
    const ids = [...picked].filter((id) => approvals.get(id)?.status === "pending");
    const button = $("#bulk-reject");
    button.disabled = true;
    const failures = [];
    let rejected = 0;
    try {
      for (const id of ids) {
        const a = approvals.get(id);
        deciding.add(id);
        try {
          const answer = await postJson(`/api/approvals/${encodeURIComponent(id)}/decision`, { decision: "reject", reason });
          if (answer.body?.approval) upsert(answer.body.approval, false);
          if (answer.ok) {
            rejected++;
          } else if (answer.status === 404) {
            failures.push([a, "the gateway no longer knows this call; nothing was decided"]);
            forget(id);
          } else {
            failures.push([a, messageOf(answer.body, `the gateway refused it (${answer.status})`)]);
          }
        } catch (e) {
          if (e instanceof ApiError && e.status === 401) return;
          failures.push([a, `could not send the decision: ${e.message}`]);
        } finally {
          deciding.delete(id);
        }
      }
    } finally {
      button.disabled = false;
    }
    const summary = `${rejected} of ${ids.length} selected call${ids.length === 1 ? "" : "s"} rejected.`;
    // Said once: by the toast, or by the alert that lists what was not rejected.
    if (failures.length === 0) {
      toast(summary);
    } else {
      $("#bulk-result-text").textContent = `${summary} Not rejected:`;
      $("ul", result).replaceChildren(...failures.map(([a, why]) => {
        const li = document.createElement("li");
        li.append(`${a.tool} from ${a.agent} (asked `, timeElement(a.requestedAt), `): ${why}`);
        return li;
      }));
      result.hidden = false;
    }
    if (picked.size === 0) reasonInput.value = "";
    renderSelection();
  }

  function wireBulk() {
    const form = $("#bulk");
    form.addEventListener("submit", (event) => event.preventDefault());
    $("#bulk-reject").addEventListener("click", rejectPicked);
    $("#bulk-clear").addEventListener("click", () => {
      for (const id of [...picked]) setPicked(id, false);
    });
    $("#bulk-reason").addEventListener("input", (event) => {
      event.target.removeAttribute("aria-invalid");
      $("#bulk-error").textContent = "";
    });
  }

  async function refreshOne(id) {
    try {
      upsert(await getJson(`/api/approvals/${encodeURIComponent(id)}`), true);
    } catch (e) {
      // The push from the hub carries the same news; the list reload on reconnect covers the rest.
      if (e instanceof ApiError && e.status === 404) forget(id);
    }
  }

  // The gateway no longer knows a call this page shows as waiting: it restarted (the embedded queue lives as long
  // as the process, and the withdrawal pushed at shutdown may not have arrived) or the record ended. Nobody can
  // decide it any more, so it leaves the pending list instead of offering buttons that can only fail.
  const GONE_REASON = "The gateway no longer knows this call (it restarted, or the record ended), so it can no longer be decided; the agent was not answered by it";

  function forget(id) {
    const a = approvals.get(id);
    if (!a || a.status !== "pending") return;
    approvals.set(id, { ...a, status: "gone", reason: GONE_REASON, resolvedAt: now() });
    removePending(id);
    // A decision this page sent says so itself (its toast, or the list of calls not rejected).
    if (!deciding.has(id)) say(`${a.tool} from ${a.agent} is no longer waiting: the gateway no longer knows it.`);
    renderHistory();
    renderCounts();
  }

  function updateCountdown(card, a) {
    const box = $(".countdown", card);
    const remaining = a.deadline - now();
    const total = Math.max(1, a.deadline - a.requestedAt);
    $(".countdown-text", box).textContent = formatRemaining(remaining);
    box.setAttribute("aria-label", remaining <= 0 ? "Deadline passed" : `Time left to decide: ${spokenRemaining(remaining)}`);
    $(".meter-fill", box).style.transform = `scaleX(${Math.max(0, Math.min(1, remaining / total))})`;
    box.dataset.urgency = remaining <= 15000 ? "now" : remaining <= 60000 ? "soon" : "";
  }

  function tick() {
    for (const card of pendingList().children) {
      const a = approvals.get(card.dataset.id);
      if (a) updateCountdown(card, a);
    }
    tickGrants();
  }

  // ---------- Grants ----------

  // One shape for both doors: GET /api/grants and the hub's grantsChanged push send the same list of GrantView.
  function normalizeGrant(raw) {
    return {
      id: String(raw.approval_id),
      agent: raw.agent || "unknown agent",
      upstream: raw.upstream || "",
      tool: raw.tool || "",
      grantedBy: raw.granted_by || [],
      rule: raw.rule || "",
      grantedAt: raw.granted_at ? Date.parse(raw.granted_at) : null,
      endsAt: Date.parse(raw.ends_at),
    };
  }

  // The list is the whole truth at the time it was read: it replaces what the page had.
  function setGrants(list) {
    grantsRead = true;
    grantsError = null;
    grantsRetry.succeeded();
    grants.clear();
    for (const raw of list || []) {
      const g = normalizeGrant(raw);
      grants.set(g.id, g);
    }
    renderGrants();
  }

  async function loadGrants() {
    const version = grantsVersion;
    try {
      const list = await getJson("/api/grants");
      if (version !== grantsVersion) return;
      // Newer than any read still on its way: a retry and a reconnect's read may overlap.
      grantsVersion++;
      setGrants(list);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return;
      // A push, or another read, that arrived meanwhile is newer than this failure: it stands.
      if (version !== grantsVersion) return;
      grantsRead = false;
      grantsError = e.message;
      grants.clear();
      renderGrants();
      grantsRetry.failed(e);
    }
  }

  function onGrantsPushed(list) {
    grantsVersion++;
    setGrants(list);
  }

  function renderGrants() {
    const live = [...grants.values()].filter((g) => g.endsAt > now()).sort((x, y) => x.endsAt - y.endsAt);
    if (confirmingRevoke && !live.some((g) => g.id === confirmingRevoke)) confirmingRevoke = null;
    // Rows are rebuilt on every change: put the keyboard focus back on the same button of the same grant.
    const focused = document.activeElement?.closest?.("#grants-body tr") ? document.activeElement : null;
    const focus = focused && { id: focused.closest("tr").dataset.id, role: focused.dataset.role };
    // Unless the approver has moved on while the revocation went out.
    const from = focus?.id ?? (document.activeElement === document.body ? revokingFocused : null);
    const index = [...$("#grants-body").children].findIndex((tr) => tr.dataset.id === from);
    $("#grants-body").replaceChildren(...live.map(grantRow));
    if (focus) $(`#grants-body tr[data-id="${CSS.escape(focus.id)}"] [data-role="${focus.role}"]`)?.focus();
    if (index >= 0 && !live.some((g) => g.id === from)) {
      // The grant with the focus ended: the next one's Revoke (which only asks), or the heading; not <body>.
      revokingFocused = null;
      const next = $("#grants-body").children[Math.min(index, live.length - 1)];
      const target = next ? $('[data-role="revoke"]', next) : $("#view-grants h1");
      if (!next) target.tabIndex = -1;
      target.focus();
    }
    $("#grants-wrap").hidden = live.length === 0;
    renderGrantsKnown();
  }

  // What the Grants tab and view say of how far the list can be trusted: read, not read yet, failed, or out of reach.
  function renderGrantsKnown() {
    const live = [...grants.values()].filter((g) => g.endsAt > now()).length;
    const state = $("#live").dataset.state;
    const known = grantsRead && state === "live";
    const why = unreachable(state)
      ? `The gateway cannot be reached, so grants in force may be missing here${live > 0 ? " and Revoke is off" : ""}. The page keeps trying.`
      : grantsError
        ? `The grants in force could not be read (${grantsError}), so calls may be going through without asking under grants not listed here.`
        : grantsRead ? "" : "Loading the grants in force…";
    $("#grants-empty").hidden = live > 0 || !known;
    const unknown = $("#grants-unknown");
    unknown.hidden = known;
    unknown.dataset.state = grantsError && !unreachable(state) ? "failed" : state;
    $("#grants-unknown-text").textContent = why;
    renderTabCount($("#tab-grants"), "Grants", live, `${live} in force`, known ? null : notKnownWhy(state, grantsError, "the grants in force"));
  }

  // A tab's badge and spoken name: "?" and "not known" when the page cannot tell, because a 0 there would tell an
  // approver that nothing waits or that no grant lets calls through.
  function renderTabCount(tab, name, count, spoken, unknown) {
    const badgeEl = $(".count", tab);
    badgeEl.textContent = unknown ? "?" : String(count);
    if (unknown) badgeEl.title = unknown; else badgeEl.removeAttribute("title");
    tab.setAttribute("aria-label", unknown ? `${name}, not known` : `${name}, ${spoken}`);
    badgeEl.classList.toggle("has-items", !unknown && count > 0);
  }

  const unreachable = (state) => state === "offline" || state === "reconnecting";

  function notKnownWhy(state, failed, what) {
    if (unreachable(state)) return `Not known: the gateway cannot be reached, so ${what} may be missing here`;
    return failed ? `Not known: ${what} could not be read` : `Not known: ${what} have not been read yet`;
  }

  function grantRow(g) {
    const tr = document.createElement("tr");
    tr.dataset.id = g.id;
    // The label shows only on a phone, where the row is a card without the header row.
    const cell = (content, className, label) => {
      const td = document.createElement("td");
      if (className) td.className = className;
      if (label) td.dataset.label = label;
      if (content instanceof Node) td.append(content); else td.textContent = content ?? "";
      return td;
    };
    const ends = document.createElement("span");
    ends.className = "grant-ends";
    ends.append(timeElement(g.endsAt), " ", span("grant-left", ""));
    const revoke = revokeControls(g);
    const tool = document.createDocumentFragment();
    tool.append(g.tool, span("sub", `on ${g.upstream}`));
    const granted = document.createDocumentFragment();
    granted.append(g.grantedBy.join(", ") || "—");
    if (g.grantedAt) {
      const at = span("sub", "at ");
      at.append(timeElement(g.grantedAt));
      granted.append(at);
    }
    tr.append(
      cell(tool, "mono c-tool"),
      cell(g.agent, "c-agent", "Agent"),
      cell(granted, "nowrap c-by", "Granted by"),
      cell(g.rule || "—", "why c-rule", "Rule"),
      cell(ends, "nowrap c-ends", "Ends"),
      cell(revoke, "actions c-revoke"),
    );
    updateGrantCountdown(tr, g);
    return tr;
  }

  // While the page cannot reach the gateway the rows stay in view, as the pending cards do, but may be out of date: the
  // grant may have ended or been replaced, and another may be missing. Revoke is off until the list is read again, and
  // says why. Off with aria-disabled rather than disabled, so a button with the focus keeps it and is read with its why.
  const REVOKE_OFF = "Revoke is off while the page cannot reach the gateway: this list may be out of date.";
  const grantsCurrent = () => grantsRead && $("#live").dataset.state === "live";

  // One click only asks: a grant revoked by a stray click makes the agent's next calls wait for a human again.
  function revokeControls(g) {
    const current = grantsCurrent();
    const button = (text, label, className, role, stale = false) => {
      const b = document.createElement("button");
      b.type = "button";
      b.className = className;
      b.textContent = text;
      b.dataset.role = role;
      b.setAttribute("aria-label", label);
      if (stale && !current) {
        b.setAttribute("aria-disabled", "true");
        b.title = REVOKE_OFF;
      }
      return b;
    };
    const usable = (b) => b.getAttribute("aria-disabled") !== "true";
    const box = document.createElement("span");
    box.className = "revoke";
    if (confirmingRevoke !== g.id) {
      const revoke = button("Revoke", `Revoke the grant for ${g.tool} to ${g.agent}`, "btn btn-reject btn-small", "revoke", true);
      revoke.addEventListener("click", () => {
        if (!usable(revoke)) return;
        // One question at a time: a row that was asking goes back to its Revoke button.
        const other = confirmingRevoke && $(`#grants-body tr[data-id="${CSS.escape(confirmingRevoke)}"] .revoke`);
        const otherGrant = other && grants.get(confirmingRevoke);
        confirmingRevoke = g.id;
        if (otherGrant) other.replaceWith(revokeControls(otherGrant));
        const next = revokeControls(g);
        box.replaceWith(next);
        $('[data-role="cancel"]', next).focus();
      });
      box.append(revoke);
      return box;
    }
    // The row names the tool already; its buttons' labels name both for screen readers.
    const question = span("revoke-question", `Revoke grant for ${g.agent}?`);
    const yes = button("Revoke", `Yes, revoke the grant for ${g.tool} to ${g.agent}`, "btn btn-reject btn-small", "confirm", true);
    const no = button("Cancel", `Cancel, keep the grant for ${g.tool} to ${g.agent}`, "btn btn-quiet btn-small", "cancel");
    yes.addEventListener("click", () => {
      if (usable(yes)) revokeGrant(g, yes);
    });
    no.addEventListener("click", () => {
      confirmingRevoke = null;
      const next = revokeControls(g);
      box.replaceWith(next);
      $('[data-role="revoke"]', next).focus();
    });
    const buttons = document.createElement("span");
    buttons.className = "revoke-buttons";
    buttons.append(yes, no);
    box.append(question, buttons);
    return box;
  }

  function updateGrantCountdown(tr, g) {
    $(".grant-left", tr).textContent = `(${formatRemaining(g.endsAt - now())})`;
  }

  async function revokeGrant(g, button) {
    // Disabling the pressed button drops focus to <body>: the row's end (by this answer or a push) moves it on.
    if (document.activeElement === button) revokingFocused = g.id;
    button.disabled = true;
    try {
      const result = await postJson(`/api/grants/${encodeURIComponent(g.id)}/revoke`, {});
      const message = messageOf(result.body, "");
      if (result.ok || result.status === 404) {
        // Ended either way: by this click, or already (revoked elsewhere, replaced, or run out).
        if (confirmingRevoke === g.id) confirmingRevoke = null;
        grants.delete(g.id);
        renderGrants();
        toast(result.ok ? `Grant for ${g.tool} to ${g.agent} revoked.` : message || `Grant for ${g.tool} to ${g.agent} had already ended.`);
      } else {
        toast(message || `The gateway refused to revoke the grant (${result.status}).`, "bad");
        revokingFocused = null;
        button.disabled = false;
        button.focus();
      }
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) {
        toast(`Could not revoke the grant: ${e.message}`, "bad");
      }
      revokingFocused = null;
      button.disabled = false;
      button.focus();
    }
  }

  function tickGrants() {
    if ([...grants.values()].some((g) => g.endsAt <= now())) {
      // A grant that runs out gets no push: the page drops it itself at its end.
      for (const [id, g] of grants) {
        if (g.endsAt <= now()) grants.delete(id);
      }
      renderGrants();
      return;
    }
    for (const tr of $("#grants-body").children) {
      const g = grants.get(tr.dataset.id);
      if (g) updateGrantCountdown(tr, g);
    }
  }

  // ---------- History ----------

  // Entries an approver opened: the list is rebuilt on every change, and an open one must stay open.
  const historyOpen = new Set();

  function renderHistory() {
    const list = $("#history-list");
    const done = [...approvals.values()]
      .filter((a) => a.status !== "pending")
      .sort((x, y) => (y.resolvedAt || y.requestedAt) - (x.resolvedAt || x.requestedAt))
      .slice(0, HISTORY_LIMIT);
    list.replaceChildren(...done.map((a) => {
      const li = document.createElement("li");
      li.dataset.id = a.id;
      // A native disclosure: click, Enter and Space open it, and assistive technology hears it as expanded or not.
      const entry = document.createElement("details");
      entry.className = "h-entry";
      const summary = document.createElement("summary");
      const tool = span("h-tool", a.tool);
      const when = span("h-when", "");
      when.append(timeElement(a.resolvedAt || a.requestedAt));
      const who = span("h-who", `${describeOutcome(a)} · ${a.agent} on ${a.upstream}`);
      // Approve-and-allow-for-a-while let this agent's later calls through unasked: say so where the approval is,
      // and, when the policy in force gave less than asked for, that too, or the approver expects a grant not there.
      if (a.granted && !a.grantRevoked) who.append(" · ", grantText(a), a.grantLimit ? `: ${a.grantLimit.why}` : "");
      else if (!a.granted && a.grantLimit) who.append(" · ", noGrantText(a));
      summary.append(badge(words(a.status), STATUS_TONE[a.status]), tool, when, who);
      const reason = a.reason || a.votes.find((v) => v.reason)?.reason;
      if (reason) summary.append(span("h-reason", `“${reason}”`));
      if (a.grantRevoked) {
        const revoked = span("h-reason", "");
        revoked.append(`Its time-boxed grant was revoked by ${a.grantRevoked.by} at `, timeElement(a.grantRevoked.at),
          a.grantRevoked.reason ? `: “${a.grantRevoked.reason}”` : "");
        summary.append(revoked);
      }
      entry.append(summary);
      // Built when opened, not for all 200 entries on every change.
      const fill = () => {
        if (!entry.querySelector(".detail")) entry.append(historyDetail(a));
      };
      if (historyOpen.has(a.id)) {
        entry.open = true;
        fill();
      }
      entry.addEventListener("toggle", () => {
        if (entry.open) {
          historyOpen.add(a.id);
          fill();
        } else {
          historyOpen.delete(a.id);
        }
      });
      li.append(entry);
      return li;
    }));
    $("#history-empty").hidden = done.length > 0;
  }

  function grantText(a) {
    const text = document.createDocumentFragment();
    const ended = a.granted.until <= now();
    text.append(`+ grant${a.granted.minutes ? ` for ${a.granted.minutes} min` : ""}, ${ended ? "ended" : "until"} `, timeElement(a.granted.until));
    return text;
  }

  // "no time-boxed grant: rule … no longer offers time-boxed grants", as the gateway's summary of the approval says it.
  function noGrantText(a) {
    return `no time-boxed grant: ${a.grantLimit.why}`;
  }

  function historyDetail(a) {
    const grant = a.granted ? grantText(a) : null;
    if (grant) {
      grant.append(`: ${a.agent}'s calls of ${a.tool} on ${a.upstream} under rule ${a.rule || "(none)"}, any arguments, go through without asking`,
        a.grantLimit ? ` (less than asked for: ${a.grantLimit.why})` : "");
    }
    const votes = a.votes.length ? document.createElement("ul") : null;
    for (const v of a.votes) {
      const li = document.createElement("li");
      li.append(`${v.approver} ${v.approve ? "approved" : "rejected"}${v.channel ? ` (${v.channel})` : ""} at `, timeElement(v.at),
        v.grantMinutes ? `, asking for a ${v.grantMinutes}-minute grant` : "", v.reason ? `: “${v.reason}”` : "");
      votes.append(li);
    }
    const decided = document.createDocumentFragment();
    decided.append(describeOutcome(a));
    if (a.resolvedAt) decided.append(" at ", timeElement(a.resolvedAt));
    const revoked = a.grantRevoked ? document.createDocumentFragment() : null;
    if (revoked) {
      revoked.append(`by ${a.grantRevoked.by} at `, timeElement(a.grantRevoked.at), a.grantRevoked.reason ? `: “${a.grantRevoked.reason}”` : "");
    }
    return detailPanel([
      ["Agent", a.agent],
      ["Session", a.sessionId, "mono"],
      ["Tool", a.tool, "mono"],
      ["Upstream", a.upstream],
      ["Rule", a.rule, "mono"],
      ["Risk", [words(a.risk), words(a.category), a.riskReason].filter(Boolean).join(" · ")],
      ["Held because", a.heldBecause],
      ["Asked", timeElement(a.requestedAt)],
      ["Outcome", decided],
      ["Votes", votes],
      ["Reason", a.reason],
      ["Grant", grant ?? (a.grantLimit ? noGrantText(a) : null)],
      ["Grant revoked", revoked],
      ["Approval", a.id, "mono"],
      ["Arguments SHA-256", a.argumentsSha256, "mono"],
    ], a.arguments, a);
  }

  // The detail of a decided call or an audit record: its facts, then its arguments as stored (masked by the gateway,
  // and again here by key), written with textContent like everything else.
  function detailPanel(facts, args, call) {
    const panel = document.createElement("div");
    panel.className = "detail";
    const list = document.createElement("dl");
    list.className = "facts detail-facts";
    for (const [label, value, className] of facts) {
      if (value == null || value === "" || (value instanceof DocumentFragment && !value.hasChildNodes())) continue;
      const item = document.createElement("div");
      const dt = document.createElement("dt");
      dt.textContent = label;
      const dd = document.createElement("dd");
      if (className) dd.className = className;
      if (value instanceof Node) dd.append(value); else dd.textContent = String(value);
      item.append(dt, dd);
      list.append(item);
    }
    const block = document.createElement("div");
    block.className = "args-block";
    const title = document.createElement("h3");
    title.className = "args-title";
    title.textContent = "Arguments";
    const warning = document.createElement("p");
    warning.className = "args-warning";
    warning.setAttribute("role", "note");
    warning.hidden = true;
    const pre = document.createElement("pre");
    pre.className = "json";
    pre.tabIndex = 0;
    pre.setAttribute("role", "group");
    pre.setAttribute("aria-label", argumentsName(call));
    renderArgumentsWarning(warning, args);
    renderArguments(pre, args);
    block.append(title, warning, pre);
    panel.append(list, block);
    return panel;
  }

  function renderCounts() {
    const count = pendingList().children.length;
    renderSelection();
    const state = $("#live").dataset.state;
    const known = pendingRead && state === "live";
    renderTabCount($("#tab-pending"), "Pending", count, `${count} call${count === 1 ? "" : "s"}`,
      known ? null : notKnownWhy(state, pendingError, "the calls waiting"));
    $("#pending-empty").hidden = count > 0 || !known;
    const unknown = $("#pending-unknown");
    unknown.hidden = known;
    unknown.dataset.state = pendingError && !unreachable(state) ? "failed" : state;
    $("#pending-unknown-text").textContent = unreachable(state)
      ? "The gateway cannot be reached, so calls waiting for you may be missing here. The page keeps trying."
      : pendingError
        ? `The calls waiting for you could not be read (${pendingError}), so some may be missing here.`
        : "Loading the calls waiting for you…";
    // The tab's title counts what this approver can act on, not calls only others may decide or that wait for others.
    const mine = [...pendingList().children].filter((c) => waitingForMe(approvals.get(c.dataset.id))).length;
    document.title = mine > 0 ? `(${mine}) Approvals · Approval Gateway` : "Approvals · Approval Gateway";
  }

  // ---------- Announcements ----------

  function say(text) {
    const region = $("#announcer");
    const p = document.createElement("p");
    p.textContent = text;
    region.append(p);
    while (region.children.length > 5) region.firstElementChild.remove();
  }

  // An agent calling in a loop holds call after call. The first is said (or notified) at once; those held within
  // COALESCE_MS after it are summed into one message at the end of that window, and so on while they keep coming, so a
  // screen reader is not queued a line per call. A window that gathered one call says it in full.
  const COALESCE_MS = 2000;

  function coalesced(one, many, still) {
    let timer = null;
    let batch = [];
    const flush = () => {
      // Decided (or no longer for this approver) before its turn came: nothing to say about it any more.
      const calls = batch.map((a) => approvals.get(a.id)).filter((a) => a && a.status === "pending" && still(a));
      batch = [];
      if (calls.length === 0) {
        timer = null;
        return;
      }
      if (calls.length === 1) one(calls[0]); else many(calls);
      timer = setTimeout(flush, COALESCE_MS);
    };
    return (a) => {
      if (timer !== null) {
        batch.push(a);
        return;
      }
      one(a);
      timer = setTimeout(flush, COALESCE_MS);
    };
  }

  // "2 from trader-bot, 1 from research-bot": the agents with the most calls first, the rest summed as "others".
  function byAgent(calls, separator) {
    const counts = new Map();
    for (const a of calls) counts.set(a.agent, (counts.get(a.agent) || 0) + 1);
    const sorted = [...counts].sort((x, y) => y[1] - x[1]);
    const named = sorted.slice(0, 3).map(([agent, n]) => `${n} from ${agent}`);
    const others = sorted.slice(3).reduce((sum, [, n]) => sum + n, 0);
    if (others > 0) named.push(`${others} from others`);
    return named.join(separator);
  }

  const sayHeld = coalesced(
    (a) => say(`New approval request: ${a.tool} from ${a.agent}, ${lower(a.risk) || "unknown"} risk.`),
    (calls) => say(`${calls.length} more approval requests: ${byAgent(calls, ", ")}.`),
    () => true);

  function toast(text, tone) {
    const el = document.createElement("div");
    el.className = "toast";
    if (tone) el.dataset.tone = tone;
    el.textContent = text;
    $("#toasts").append(el);
    // Heard through the one polite region: the toast box is not live, so nothing is said twice or interrupts.
    say(text);
    setTimeout(() => el.remove(), 6000);
  }

  // ---------- Notifications ----------

  const NOTIFY_KEY = "approval-gateway.notify";
  const SOUND_KEY = "approval-gateway.notify-sound";
  const canNotify = "Notification" in window;
  let audio = null;

  async function loadMe() {
    if (me) return;
    const body = await getJson("/api/me");
    me = { name: body.name || "", slackUserId: body.slack_user_id || "" };
  }

  const same = (a, b) => !!a && !!b && a.toLowerCase() === b.toLowerCase();
  const isMe = (who) => same(who, me?.name) || same(who, me?.slackUserId);

  // As the gateway decides it: a rule that lists approvers lets only them decide, one person counts once, and the
  // agent's owner may approve its calls only where the rule lets them.
  function waitingForMe(a) {
    if (!a || a.status !== "pending" || !me) return false;
    if (a.approvers.length > 0 && !a.approvers.some(isMe)) return false;
    if (ownerMayOnlyReject(a)) return false;
    return !a.votes.some((v) => isMe(v.approver));
  }

  const ownerMayOnlyReject = (a) => isMe(a.agentOwner) && !a.ownerMayApprove;

  // What this approver may still do with a call: said on its card, and Approve is off where the gateway would refuse it.
  function renderMyPart(card, a) {
    const note = $(".decide-note", card);
    const approved = a.votes.some((v) => v.approve && isMe(v.approver));
    const waiting = a.approvalsRequired - a.votes.filter((v) => v.approve).length;
    note.textContent = ownerMayOnlyReject(a)
      ? `You own agent ${a.agent}: rule ${a.rule} lets you reject its calls but not approve them.`
      : approved
        ? `You approved this call; it waits for ${waiting} more ${waiting === 1 ? "approver" : "approvers"}. You may still reject it.`
        : "";
    note.hidden = note.textContent === "";
    const approve = $(".btn-approve", card);
    approve.disabled = !note.hidden;
    $(".grant", card).hidden = !note.hidden || a.grantMax <= 0;
  }

  function remembered(key) {
    try {
      return localStorage.getItem(key) === "on";
    } catch {
      return false;
    }
  }

  function remember(key, on) {
    try {
      localStorage.setItem(key, on ? "on" : "off");
    } catch {
      // Storage off (a private window's policy): the choice holds until the page is closed.
    }
  }

  const notifying = () => canNotify && Notification.permission === "granted" && remembered(NOTIFY_KEY);

  function notifyHeld(a) {
    if (notifying() && waitingForMe(a)) notifyHeldCoalesced(a);
  }

  // Clicking brings the approver to the card (the first of several), from whichever tab they were on.
  function notify(title, body, tag, id) {
    try {
      // The tag makes the approver's other tabs replace this notification rather than add a second one.
      const n = new Notification(title, { body, tag, icon: "/img/icon.svg" });
      n.onclick = () => {
        window.focus();
        show("pending", false);
        const card = cardOf(id);
        if (card) {
          card.tabIndex = -1;
          card.scrollIntoView({ block: "center" });
          card.focus();
        }
        n.close();
      };
    } catch {
      // Some browsers (Chrome on Android) only notify through a service worker: the title count still says it.
    }
    if (remembered(SOUND_KEY)) beep();
  }

  const notifyHeldCoalesced = coalesced(
    (a) => notify(`Approval needed: ${a.tool}`, `${a.agent} · ${words(a.risk) || "Unknown"} risk`, `approval-${a.id}`, a.id),
    (calls) => notify(`${calls.length} more approvals needed`, byAgent(calls, " · "), `approvals-from-${calls[0].id}`, calls[0].id),
    // Unticked meanwhile, or decided by this approver's vote on another tab.
    (a) => notifying() && waitingForMe(a));

  // A short tone made on the spot, so there is no sound file to serve.
  function beep() {
    try {
      audio ??= new AudioContext();
      audio.resume().catch(() => {});
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      const start = audio.currentTime;
      tone.frequency.value = 880;
      gain.gain.setValueAtTime(0.2, start);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.3);
      tone.connect(gain).connect(audio.destination);
      tone.start(start);
      tone.stop(start + 0.3);
    } catch {
      // No audio output: the notification itself still shows.
    }
  }

  function wireNotify() {
    const toggle = $("#notify-toggle");
    const sound = $("#notify-sound");
    const status = $("#notify-status");
    const sync = (text = "") => {
      toggle.checked = notifying();
      sound.checked = remembered(SOUND_KEY);
      sound.disabled = !toggle.checked;
      status.textContent = text || (canNotify && remembered(NOTIFY_KEY) && Notification.permission === "denied"
        ? "The browser blocks notifications from this page: allow them in its site settings."
        : "");
    };
    if (!canNotify) {
      toggle.disabled = true;
      sound.disabled = true;
      status.textContent = "This browser cannot show notifications.";
      return;
    }
    toggle.addEventListener("change", async () => {
      if (!toggle.checked) {
        remember(NOTIFY_KEY, false);
        sync();
        return;
      }
      let permission = Notification.permission;
      if (permission === "default") {
        try {
          permission = await Notification.requestPermission();
        } catch {
          permission = "denied";
        }
      }
      remember(NOTIFY_KEY, permission === "granted");
      sync(permission === "granted" ? "" : "The browser did not allow notifications, so none will be shown.");
    });
    sound.addEventListener("change", () => {
      remember(SOUND_KEY, sound.checked);
      // Played now, from the click: browsers let a page make sounds once a person has used it.
      if (sound.checked) beep();
    });
    sync();
  }

  // ---------- Tools and policy ----------

  async function loadTools() {
    loaded.tools = true;
    loadPolicy();
    try {
      const tools = await getJson("/api/tools");
      renderTools(Array.isArray(tools) ? tools : tools.tools || []);
    } catch (e) {
      loaded.tools = false;
      $("#tools-body").replaceChildren();
      const empty = $("#tools-empty");
      empty.hidden = false;
      empty.textContent = `The tool list is not available: ${e.message}`;
    }
  }

  let toolRows = [];

  function renderTools(tools) {
    toolRows = tools.map((t) => {
      const tr = document.createElement("tr");
      const risk = lower(t.risk || t.risk_class);
      const action = lower(t.action);
      const name = document.createElement("td");
      name.className = "mono c-name";
      name.append(breakable(t.name));
      const upstream = document.createElement("td");
      upstream.className = "c-upstream";
      // On a phone the row is a card without the header row: the label goes with the value.
      upstream.dataset.label = "Upstream";
      upstream.textContent = t.upstream;
      const riskCell = document.createElement("td");
      riskCell.className = "nowrap c-risk";
      riskCell.append(badge(`${words(risk)}${t.category ? " · " + words(t.category) : ""}`, RISK_TONE[risk]));
      const actionCell = document.createElement("td");
      actionCell.className = "nowrap c-action";
      actionCell.append(badge(words(action), ACTION_TONE[action]));
      // The rule's own action is only what happens when none of its conditions holds: say what they may make of it.
      const conditions = (t.conditions || []).map((c) => {
        const [kind, ...rest] = String(c).split(" when ");
        return `${words(kind)} when ${rest.join(" when ")}`;
      });
      if (conditions.length) {
        const list = document.createElement("ul");
        list.className = "conditions";
        list.setAttribute("aria-label", "Unless");
        for (const text of conditions) {
          const li = document.createElement("li");
          li.textContent = text;
          list.append(li);
        }
        actionCell.append(" unless", list);
      }
      const why = document.createElement("td");
      why.className = "why c-why";
      const limit = t.rate_limit || t.rateLimit;
      why.textContent = [t.reason, t.rule ? `rule ${t.rule}` : "", limit || ""].filter(Boolean).join(" · ");
      tr.append(name, upstream, riskCell, actionCell, why);
      tr.dataset.search = lower([t.name, t.upstream, risk, action, t.category, t.rule, ...conditions].join(" "));
      return tr;
    });
    filterTools();
  }

  function filterTools() {
    const query = lower($("#tool-filter").value.trim());
    const rows = toolRows.filter((tr) => !query || tr.dataset.search.includes(query));
    $("#tools-body").replaceChildren(...rows);
    const empty = $("#tools-empty");
    empty.hidden = rows.length > 0;
    empty.textContent = toolRows.length ? "No tool matches the filter." : "No tools listed yet.";
  }

  async function loadPolicy() {
    const panel = $("#policy-panel");
    try {
      const policy = await getJson("/api/policy");
      $("#policy-path").textContent = policy.path || "";
      const loadedAt = Date.parse(policy.loaded_at || policy.loadedAt || "");
      $("#policy-loaded").replaceChildren(timeElement(Number.isNaN(loadedAt) ? null : loadedAt));
      const error = policy.last_error || policy.lastError;
      const alert = $("#policy-error");
      alert.hidden = !error;
      alert.textContent = error ? `The last reload failed, so the policy above stays in force: ${error}` : "";
      // Names the gateway checks (agents, approvers, tools): logged and in /api/policy, and here where admins look.
      const warnings = Array.isArray(policy.warnings) ? policy.warnings : [];
      const box = $("#policy-warnings");
      $("ul", box).replaceChildren(...warnings.map((w) => {
        const li = document.createElement("li");
        li.textContent = w;
        return li;
      }));
      box.hidden = warnings.length === 0;
      panel.hidden = false;
    } catch {
      panel.hidden = true;
    }
  }

  // ---------- Audit ----------

  function auditQuery() {
    const form = $("#audit-form");
    const params = new URLSearchParams();
    for (const name of ["agent", "tool", "decision", "outcome"]) {
      const value = form.elements[name].value.trim();
      if (value) params.set(name, value);
    }
    for (const name of ["since", "until"]) {
      const value = form.elements[name].value;
      if (value) params.set(name, new Date(value).toISOString());
    }
    return params;
  }

  // What the Audit tab shows: the filters it was read with and its newest record, so a push asks for newer ones only.
  let auditShown = null;
  let auditChecking = false;
  let auditCheckAgain = false;

  async function loadAudit() {
    loaded.audit = true;
    const params = auditQuery();
    const filters = new URLSearchParams(params);
    $("#audit-csv").href = `/api/audit.csv${params.size ? "?" + params : ""}`;
    params.set("limit", "200");
    const status = $("#audit-status");
    status.textContent = "Loading…";
    try {
      const records = await getJson(`/api/audit?${params}`);
      const list = Array.isArray(records) ? records : records.records || [];
      auditShown = { filters, newest: list[0] || null };
      showNewAudit(0);
      $("#audit-body").replaceChildren(...list.map(auditRow));
      status.textContent = list.length
        ? `${list.length} record${list.length === 1 ? "" : "s"}${list.length === 200 ? " (the newest 200; export CSV for more)" : ""}.`
        : "No record matches these filters.";
    } catch (e) {
      loaded.audit = false;
      status.textContent = `The audit log is not available: ${e.message}`;
    }
  }

  const isNewerRecord = (r, newest) => !newest || (r.seq != null && newest.seq != null
    ? r.seq > newest.seq
    : Date.parse(r.time) > Date.parse(newest.time));

  // Records were written: count those the shown filters match that are newer than the newest shown, reading only from
  // its time on, and offer them rather than redraw the table under an approver reading (or with a row open).
  async function checkNewAudit() {
    if (!auditShown || $("#view-audit").hidden) return;
    if (auditChecking) {
      auditCheckAgain = true;
      return;
    }
    auditChecking = true;
    const shown = auditShown;
    try {
      const params = new URLSearchParams(shown.filters);
      const newest = shown.newest;
      const from = newest ? Date.parse(newest.time) : NaN;
      const since = Date.parse(params.get("since") || "");
      if (!Number.isNaN(from) && (Number.isNaN(since) || since < from)) params.set("since", new Date(from).toISOString());
      params.set("limit", "200");
      const records = await getJson(`/api/audit?${params}`);
      const list = Array.isArray(records) ? records : records.records || [];
      if (shown === auditShown) showNewAudit(list.filter((r) => isNewerRecord(r, newest)).length);
    } catch {
      // The next push, or a search, tries again.
    } finally {
      auditChecking = false;
      if (auditCheckAgain) {
        auditCheckAgain = false;
        checkNewAudit();
      }
    }
  }

  function showNewAudit(count) {
    const button = $("#audit-new");
    button.hidden = count === 0;
    button.textContent = count === 0 ? "" : `${count >= 200 ? "200+" : count} new record${count === 1 ? "" : "s"} – show`;
  }

  const OUTCOME_TONE = {
    forwarded: "ok", approved: "ok", allowed: "ok",
    rejected: "bad", denied: "bad", upstream_failed: "bad", unauthenticated: "bad", invalid_arguments: "bad", invalid_request: "bad",
    expired: "warn", rate_limited: "info", withdrawn: "", hidden: "", unknown_tool: "", forwarding: "info",
    grant_revoked: "warn", policy_loaded: "info", policy_rejected: "bad",
  };

  // The record each audit row shows, for its detail.
  const auditRecords = new WeakMap();
  let auditDetailIds = 0;

  function auditRow(r) {
    const tr = document.createElement("tr");
    tr.className = "expandable";
    tr.tabIndex = 0;
    tr.setAttribute("aria-expanded", "false");
    auditRecords.set(tr, r);
    // The label shows only on a phone, where the row is a card without the header row.
    const cell = (text, className, label) => {
      const td = document.createElement("td");
      if (className) td.className = className;
      if (label) td.dataset.label = label;
      if (text instanceof Node) td.append(text); else td.textContent = text ?? "";
      return td;
    };
    const decision = lower(r.decision);
    const outcome = lower(r.outcome);
    const decidedBy = Array.isArray(r.decided_by) ? r.decided_by.join(", ") : r.decided_by || "";
    tr.append(
      cell(timeElement(Date.parse(r.time)), "nowrap c-time"),
      cell(r.agent ? breakable(r.agent) : "—", "c-agent", "Agent"),
      cell(breakable(r.tool), "mono c-tool"),
      cell(badge(words(decision), OUTCOME_TONE[decision]), "c-decision"),
      cell(badge(words(outcome), OUTCOME_TONE[outcome]), "c-outcome"),
      cell(decidedBy || "—", "c-by", "Decided by"),
      cell(r.reason || "", "why c-reason"),
    );
    return tr;
  }

  function toggleAuditRow(tr) {
    const open = tr.getAttribute("aria-expanded") === "true";
    if (open) {
      document.getElementById(tr.getAttribute("aria-controls"))?.remove();
      tr.setAttribute("aria-expanded", "false");
      return;
    }
    const r = auditRecords.get(tr);
    const row = document.createElement("tr");
    row.className = "detail-row";
    row.id = `audit-detail-${++auditDetailIds}`;
    const td = document.createElement("td");
    td.colSpan = tr.children.length;
    const decidedBy = Array.isArray(r.decided_by) ? r.decided_by.join(", ") : r.decided_by || "";
    const latencies = [r.policy_milliseconds, r.wait_milliseconds, r.upstream_milliseconds, r.total_milliseconds];
    const timings = document.createDocumentFragment();
    if (latencies.every((v) => typeof v === "number")) {
      latencies.forEach((v, i) => timings.append(...(i > 0 ? [" / "] : []), durationElement(v)));
    }
    td.append(detailPanel([
      ["Time", timeElement(Date.parse(r.time))],
      ["Agent", r.agent],
      ["Session", r.session_id, "mono"],
      ["Tool", r.tool, "mono"],
      ["Upstream", r.upstream],
      ["Rule", r.rule, "mono"],
      ["Risk", words(r.risk_class)],
      ["Decision", words(r.decision)],
      ["Outcome", words(r.outcome)],
      ["Decided by", decidedBy],
      ["Reason", r.reason],
      ["Approval", r.approval_id, "mono"],
      ["Instance", r.instance],
      ["Policy / wait / upstream / total", timings],
      ["Arguments SHA-256", r.arguments_sha256, "mono"],
      // A policy record's file and hashes; the policy in force only where it is not that file (a rejected edit).
      ["Policy file", r.policy_path, "mono"],
      ["Policy file SHA-256", r.policy_sha256, "mono"],
      ["Policy in force SHA-256", r.policy_in_force_sha256 !== r.policy_sha256 ? r.policy_in_force_sha256 : null, "mono"],
      ["Seq", r.seq, "mono"],
      ["Hash", r.hash, "mono"],
    ], r.arguments, r));
    row.append(td);
    tr.after(row);
    tr.setAttribute("aria-controls", row.id);
    tr.setAttribute("aria-expanded", "true");
  }

  function wireAuditRows() {
    const body = $("#audit-body");
    body.addEventListener("click", (event) => {
      const tr = event.target.closest("tr.expandable");
      // A click inside an open detail (unfolding a long value, selecting text to copy) is not a click on its row.
      if (!tr || event.target.closest("button, a, input, select")) return;
      if (String(window.getSelection()) !== "") return;
      toggleAuditRow(tr);
    });
    body.addEventListener("keydown", (event) => {
      if ((event.key !== "Enter" && event.key !== " ") || !event.target.matches?.("tr.expandable")) return;
      event.preventDefault();
      toggleAuditRow(event.target);
    });
  }

  // ---------- Views ----------

  const tabs = () => [...document.querySelectorAll('[role="tab"]')];

  function show(view, focusTab) {
    for (const tab of tabs()) {
      const selected = tab.dataset.view === view;
      tab.setAttribute("aria-selected", String(selected));
      tab.tabIndex = selected ? 0 : -1;
      $("#" + tab.getAttribute("aria-controls")).hidden = !selected;
      if (selected && focusTab) tab.focus();
    }
    if (view === "tools" && !loaded.tools) loadTools();
    if (view === "audit" && !loaded.audit) loadAudit();
    if (location.hash !== "#" + view) history.replaceState(null, "", "#" + view);
  }

  function wireTabs() {
    const list = $("#tablist");
    list.addEventListener("click", (event) => {
      const tab = event.target.closest('[role="tab"]');
      if (tab) show(tab.dataset.view, false);
    });
    list.addEventListener("keydown", (event) => {
      const all = tabs();
      const index = all.indexOf(document.activeElement);
      if (index < 0) return;
      const moves = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: all.length - 1 };
      if (!(event.key in moves)) return;
      event.preventDefault();
      const next = all[(moves[event.key] + all.length) % all.length];
      show(next.dataset.view, true);
    });
    const initial = location.hash.slice(1);
    show(tabs().some((t) => t.dataset.view === initial) ? initial : "pending", false);
  }

  // ---------- Live connection ----------

  function setLive(state, text) {
    const live = $("#live");
    live.dataset.state = state;
    live.textContent = text;
    renderCounts();
    // The rows too: their Revoke is off while the list may be out of date.
    renderGrants();
  }

  // A failed read of a list is tried again on its own while the hub is connected: after 1 s, then twice as long each
  // time up to 30 s, and from 1 s again once a read succeeds. One timer per list, so failures never pile retries up; a
  // read that succeeds (a retry, a reconnect, a pushed grant list) cancels it. Not while the hub is down: connecting
  // again reads both lists. Not after a 401: the page is on its way to the sign-in form.
  const RETRY_FIRST_MS = 1000;
  const RETRY_MAX_MS = 30000;
  // How long the page waits before opening again a connection that could not be opened, or that the gateway ended
  // right after it opened.
  const OFFLINE_RETRY_MS = 5000;
  let hub = null;
  // When the connection last opened (page clock), while it is open.
  let connectedAt = null;
  const connected = () => hub?.state === signalR.HubConnectionState.Connected;

  function retrier(read) {
    let timer = null;
    let delay = RETRY_FIRST_MS;
    return {
      failed(e) {
        if (timer !== null || !connected() || (e instanceof ApiError && e.status === 401)) return;
        timer = setTimeout(() => {
          timer = null;
          if (connected()) read().catch(() => {});
        }, delay);
        delay = Math.min(RETRY_MAX_MS, delay * 2);
      },
      succeeded() {
        clearTimeout(timer);
        timer = null;
        delay = RETRY_FIRST_MS;
      },
    };
  }

  const pendingRetry = retrier(() => loadApprovals());
  const grantsRetry = retrier(() => loadGrants());
  // Reads of the pending list started, and the last started one that succeeded: a failure older than it is not news.
  let pendingReads = 0;
  let pendingReadOk = 0;

  async function loadApprovals() {
    const read = ++pendingReads;
    let pending, all;
    try {
      [pending, all] = await Promise.all([getJson("/api/approvals?status=pending"), getJson("/api/approvals"), loadMe()]);
    } catch (e) {
      if (pendingReadOk > read) return;
      // After a failed read (on reconnecting, the page goes on live) the list may miss calls: not "Nothing waiting".
      pendingRead = false;
      pendingError = e.message;
      renderCounts();
      pendingRetry.failed(e);
      throw e;
    }
    pendingReadOk = Math.max(pendingReadOk, read);
    pendingRetry.succeeded();
    pendingError = null;
    for (const raw of [...(all || []), ...(pending || [])]) upsert(raw, false);
    // Anything still pending here that the server no longer lists ended while we were away.
    const listed = new Set([...(all || []), ...(pending || [])].map((a) => String(a.id)));
    for (const a of [...approvals.values()]) {
      if (a.status === "pending" && !listed.has(a.id)) refreshOne(a.id);
    }
    pendingRead = true;
    renderHistory();
    renderCounts();
  }

  // The hub answers 401 once the sign-in has ended (it expired, or the approver signed out elsewhere).
  const unauthorized = (e) => /401|unauthori[sz]ed/i.test(String(e && e.message));

  async function connect() {
    // Set when a reconnect was refused for want of a sign-in: retrying would only say "Reconnecting…" forever.
    let signedOut = false;
    const connection = hub = new signalR.HubConnectionBuilder()
      .withUrl("/hubs/approvals")
      .withAutomaticReconnect({
        nextRetryDelayInMilliseconds: (ctx) => {
          if (unauthorized(ctx.retryReason)) {
            signedOut = true;
            return null;
          }
          return Math.min(10000, 500 * 2 ** ctx.previousRetryCount);
        },
      })
      .configureLogging(signalR.LogLevel.Warning)
      .build();
    connection.on("approvalChanged", (raw) => upsert(raw, true));
    connection.on("grantsChanged", onGrantsPushed);
    // A policy reload (or a failed one) changes the Tools tab: read it again now if shown, else when next shown.
    // Records were written: counted now if the Audit tab is shown, else it is read afresh when next shown.
    connection.on("auditAppended", () => {
      if (!$("#view-audit").hidden) checkNewAudit();
      else loaded.audit = false;
    });
    connection.on("policyChanged", () => {
      if (!$("#view-tools").hidden) loadTools();
      else loaded.tools = false;
    });
    connection.onreconnecting(() => setLive("reconnecting", "Reconnecting…"));
    connection.onreconnected(async () => {
      connectedAt = Date.now();
      await Promise.all([loadApprovals().catch(() => {}), loadGrants()]);
      setLive("live", "Live");
      // Pushes sent while the page was away are lost: records written meanwhile are counted now.
      checkNewAudit();
    });
    connection.onclose(() => {
      const openFor = connectedAt === null ? 0 : Date.now() - connectedAt;
      connectedAt = null;
      if (signedOut) {
        setLive("offline", "Signed out");
        signIn();
        return;
      }
      // The gateway ended a connection that was fine (an approver's sign-out elsewhere, or it has its pages reconnect
      // after losing backplane messages): open it again at once, as it expects, rather than show "Offline" for 5 s
      // with calls that may have gone. One it ends again soon after opening waits, so the two never loop.
      if (openFor >= OFFLINE_RETRY_MS) {
        setLive("reconnecting", "Reconnecting…");
        start(connection);
        return;
      }
      setLive("offline", "Offline");
      setTimeout(() => start(connection), OFFLINE_RETRY_MS);
    });
    await start(connection);
  }

  async function start(connection) {
    try {
      await connection.start();
    } catch (e) {
      if (unauthorized(e)) {
        signIn();
        return;
      }
      setLive("offline", "Offline");
      setTimeout(() => start(connection), OFFLINE_RETRY_MS);
      return;
    }
    connectedAt = Date.now();
    // Subscribe first, then list: a change made in between arrives as a push and is merged, not lost. "Live" only once
    // both are read or have failed (each then says so, and is read again on its own): starting the connection again,
    // as this did once after a failed read, only failed on the one already open and left the page "Offline" for good.
    await Promise.all([loadApprovals().catch(() => {}), loadGrants()]);
    setLive("live", "Live");
  }

  function init() {
    wireTabs();
    wireNotify();
    wireBulk();
    renderCounts();
    renderHistory();
    $("#tool-filter").addEventListener("input", filterTools);
    const form = $("#audit-form");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      loadAudit();
    });
    form.addEventListener("reset", () => setTimeout(loadAudit, 0));
    wireAuditRows();
    $("#audit-new").addEventListener("click", loadAudit);
    $("#signout").addEventListener("submit", async (event) => {
      if ($("#signout-token").value) return;
      event.preventDefault();
      try {
        await csrf();
      } finally {
        event.target.submit();
      }
    });
    setInterval(tick, 1000);
    connect();
    csrf().catch(() => {});
  }

  init();
})();
