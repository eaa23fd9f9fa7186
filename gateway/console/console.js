// Office Hours web console: the page's start and its state, on the client library alone (office-hours-client.js,
// the global `OfficeHours`: real time and REST). Views live in their own modules; words in messages.js.
// Sign in with /console/#token=<jwt>; the token stays in the fragment and this page's memory.
import { $, applyCatalog, showError } from './dom.js';
import { setupComposer } from './composer.js';
import { renderMessages } from './message-list.js';
import { formatWhen, language, t } from './messages.js';
import { renderRoomList } from './room-list.js';
import { canChat, clearRoomError, composerHint, renderRoomHeader, showWarning, watchArchive } from './room-view.js';
import { setupRequestForm } from './request-form.js';
import { readSession } from './session.js';

const LIST_SIZE = 100;
const HISTORY_PAGE = 500;
const TYPING_SHOWN_MS = 3000;

const ignore = () => undefined;
const hasMessages = (c) => c.status === 'SCHEDULED' || c.status === 'IN_PROGRESS' || c.status === 'COMPLETED';
/** Library calls that return a promise today or may return nothing: either way nothing is left unhandled. */
const settle = (value, onError = ignore) => Promise.resolve(value).catch(onError);

function start(session) {
  const store = {
    me: session.me,
    rooms: new Map(),
    open: undefined,
    /** requestIdx → Map(seq → message), filled by history and live events. */
    messages: new Map(),
    /** requestIdx → the person's own messages not yet acknowledged (or refused). */
    pending: new Map(),
    unread: new Map(),
    loaded: new Set(),
    followed: new Set(),
  };
  const client = OfficeHours.connect({ url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/chat`, getToken: () => session.token });
  let localIds = 0;
  let typingTimer;

  const composer = setupComposer(client, {
    onSend: (content) => store.open && send(store.open, content),
    onTyping: () => store.open && settle(client.typing(store.open)),
  });
  const watchForArchive = watchArchive(client, { isOpen: (idx) => store.open === idx, onArchived: (c) => updateRoom(c) });

  const myLastRead = (c) => (c.studentId === store.me.id ? c.lastReadTimeStudent : c.lastReadTimeProfessor);
  const roomsChanged = () => renderRoomList(store, (idx) => void openRoom(idx));
  const messagesChanged = () => renderMessages(store, retry);
  const isReading = (idx) => store.open === idx && document.visibilityState === 'visible';

  function updateRoom(c) {
    store.rooms.set(c.requestIdx, c);
    roomsChanged();
    if (store.open === c.requestIdx) {
      renderRoomHeader(client, store, c, updateRoom);
      composer.enable(canChat(c, store.me), composerHint(c, store.me));
      watchForArchive(c);
    }
    // Approved while its history was read (or with none to read): from now on the library follows it.
    if (canChat(c, store.me) && store.loaded.has(c.requestIdx)) followRoom(c.requestIdx);
  }

  function addMessage(m) {
    const room = store.messages.get(m.requestIdx) ?? new Map();
    store.messages.set(m.requestIdx, room);
    room.set(m.seq, m);
  }

  function markRead(idx) {
    store.unread.set(idx, 0);
    roomsChanged();
    settle(client.markRead(idx));
  }

  const lastSeq = (idx) => [...(store.messages.get(idx)?.keys() ?? [])].reduce((a, b) => Math.max(a, b), 0);

  /** A room's history once per page load (a request not yet approved has none), and its unread count. */
  async function loadHistory(c) {
    const idx = c.requestIdx;
    if (hasMessages(c)) for await (const page of client.history(idx, { pageSize: HISTORY_PAGE })) for (const m of page) addMessage(m);
    store.loaded.add(idx);
    const readAt = myLastRead(c) ? Date.parse(myLastRead(c)) : 0;
    const unread = [...(store.messages.get(idx)?.values() ?? [])].filter((m) => m.senderId !== store.me.id && Date.parse(m.sentAt) > readAt).length;
    store.unread.set(idx, unread);
    if (canChat(c, store.me)) followRoom(idx);
  }

  /** The library syncs a followed room after every reconnect, from the last message the page has. */
  function followRoom(idx) {
    if (store.followed.has(idx)) return;
    store.followed.add(idx);
    settle(client.follow(idx, lastSeq(idx)), (err) => {
      store.followed.delete(idx);
      showError($('rooms-error'), err);
    });
  }

  async function openRoom(idx) {
    store.open = idx;
    clearRoomError();
    showWarning(undefined);
    $('room-pick').hidden = true;
    $('room-body').hidden = false;
    // One column (a phone): the room is below the list, so bring it into view.
    if (matchMedia('(max-width: 759px)').matches) $('room').scrollIntoView({ block: 'start' });
    $('typing').textContent = '';
    $('read-mark').textContent = '';
    composer.reset();
    const known = store.rooms.get(idx);
    if (known) updateRoom(known);
    messagesChanged();
    try {
      const c = await client.consultation(idx);
      updateRoom(c);
      if (!store.loaded.has(idx)) await loadHistory(c);
      if (store.open !== idx) return;
      messagesChanged();
      if (isReading(idx) && hasMessages(c)) markRead(idx);
    } catch (err) {
      if (store.open === idx) showError($('room-error'), err);
    }
  }

  function send(idx, content) {
    const entry = { localId: `l${++localIds}`, content, state: 'sending' };
    const list = store.pending.get(idx) ?? [];
    store.pending.set(idx, list);
    list.push(entry);
    messagesChanged();
    client.send(idx, content).then(
      (seq) => {
        drop(idx, entry);
        const m = store.messages.get(idx)?.get(seq);
        if (!m) addMessage({ requestIdx: idx, seq, senderId: store.me.id, content, sentAt: new Date().toISOString() });
        if (store.open === idx) messagesChanged();
      },
      (err) => {
        entry.state = 'failed';
        entry.error = err;
        if (store.open === idx) messagesChanged();
      },
    );
  }

  function drop(idx, entry) {
    const list = store.pending.get(idx) ?? [];
    const at = list.indexOf(entry);
    if (at >= 0) list.splice(at, 1);
  }

  function retry(entry) {
    const idx = store.open;
    drop(idx, entry);
    send(idx, entry.content);
  }

  function onChat(m) {
    if (m.senderId === store.me.id) {
      // Our own message came back before its receipt: it replaces the "sending" entry.
      const entry = (store.pending.get(m.requestIdx) ?? []).find((p) => p.state === 'sending' && p.content === m.content);
      if (entry) drop(m.requestIdx, entry);
    }
    addMessage(m);
    if (!store.rooms.has(m.requestIdx)) void client.consultation(m.requestIdx).then(updateRoom, ignore);
    if (m.senderId !== store.me.id) {
      if (isReading(m.requestIdx)) markRead(m.requestIdx);
      else {
        store.unread.set(m.requestIdx, (store.unread.get(m.requestIdx) || 0) + 1);
        roomsChanged();
      }
    }
    if (store.open === m.requestIdx) messagesChanged();
  }

  client.on('CHAT', onChat);
  client.on('READ', (e) => {
    if (store.open === e.requestIdx && e.readerId !== store.me.id) $('read-mark').textContent = t('room.readAt', { time: formatWhen(e.readAt) });
  });
  client.on('TYPING', (e) => {
    const c = store.rooms.get(e.requestIdx);
    if (store.open !== e.requestIdx || e.userId === store.me.id || !c) return;
    $('typing').textContent = t('room.typing', { name: e.userId === c.studentId ? c.studentName : c.professorName });
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => ($('typing').textContent = ''), TYPING_SHOWN_MS);
  });
  client.on('STATUS', (e) => void client.consultation(e.requestIdx).then(updateRoom, (err) => showError($('rooms-error'), err)));
  client.on('WARNING', (e) => store.open === e.requestIdx && showWarning(e.endsAt));
  client.on('error', (err) => {
    if (err.code === 'UNAUTHENTICATED') return;
    showError(err.requestIdx && err.requestIdx === store.open ? $('room-error') : $('rooms-error'), err);
  });
  client.on('state', (state) => {
    const connection = $('connection');
    connection.textContent = t(`state.${state}`);
    connection.dataset.state = state;
    // Refused for good: the library has stopped; only a fresh token helps, so say so where it is seen, and
    // leave the page to be read but not used (every action would be refused too).
    const refused = state === 'unauthenticated';
    const expired = session.expiresAt > 0 && session.expiresAt <= Date.now();
    showError($('signin-error'), refused ? t(expired ? 'signin.expired' : 'signin.refused') : undefined);
    document.querySelector('main').inert = refused;
  });
  document.addEventListener('visibilitychange', () => {
    if (store.open && isReading(store.open) && store.unread.get(store.open)) markRead(store.open);
  });

  if (store.me.roles.includes('STUDENT')) {
    $('request-form').hidden = false;
    setupRequestForm(client, {
      onCreated: (c) => {
        updateRoom(c);
        void openRoom(c.requestIdx);
      },
    });
  }

  return (async () => {
    // Nothing is asked over REST before the server accepted the token (a refused one stops the client).
    try {
      await client.ready;
    } catch {
      return;
    }
    const sent = store.me.roles.includes('STUDENT') ? client.myRequests({ size: LIST_SIZE }) : client.receivedRequests({ size: LIST_SIZE });
    const pages = await Promise.all([client.activeConsultations({ size: LIST_SIZE }), client.pastConsultations({ size: LIST_SIZE }), sent]);
    for (const page of pages) for (const c of page.items) store.rooms.set(c.requestIdx, c);
    roomsChanged();
    // Open rooms are read at once: their unread counts show, and they are synced after reconnects.
    const open = [...store.rooms.values()].filter((c) => canChat(c, store.me));
    await Promise.all(open.map((c) => loadHistory(c)));
    roomsChanged();
  })().catch((err) => showError($('rooms-error'), err));
}

document.documentElement.lang = language;
applyCatalog();
document.title = t('app.title');
const session = readSession();
if (!session) showError($('signin-error'), t('signin.hint'));
else if (!session.me) showError($('signin-error'), t('signin.unreadable'));
else {
  document.querySelector('main').hidden = false;
  const roles = session.me.roles.map((r) => t(`who.roles.${r}`)).join(', ');
  $('who').textContent = `${session.me.name} (${roles})`;
  void start(session);
}
