// Office Hours web console: a small client of the public API (REST, and real time through the client library
// in office-hours-client.js: no STOMP code here), no framework.
// Sign in with /console/#token=<jwt>; the token stays in the fragment and this page's memory.
'use strict';

const $ = (id) => document.getElementById(id);
const state = { token: '', me: { id: '', roles: [] }, rooms: new Map(), open: undefined, shown: new Map(), chat: undefined };

function showError(message) {
  $('error').textContent = message || '';
}

function claimsOf(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(part), (c) => c.charCodeAt(0))));
  } catch {
    return undefined;
  }
}

async function api(method, path, body) {
  const headers = { authorization: `Bearer ${state.token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 204) return undefined;
  const type = res.headers.get('content-type') || '';
  const data = type.includes('json') ? await res.json() : await res.blob();
  if (!res.ok) throw new Error(data && data.error ? `${data.error.code}: ${data.error.message}` : `HTTP ${res.status}`);
  return data;
}

// ---- consultations list -------------------------------------------------------------------------

async function loadRooms() {
  const isStudent = state.me.roles.includes('STUDENT');
  const lists = ['active', 'history', isStudent ? 'my-requests' : 'received'];
  const pages = await Promise.all(lists.map((l) => api('GET', `/api/consultation/${l}?size=100`)));
  for (const page of pages) for (const c of page.items) state.rooms.set(c.requestIdx, c);
  renderRooms();
}

function renderRooms() {
  const list = $('rooms');
  list.replaceChildren();
  const rooms = [...state.rooms.values()].sort((a, b) => b.requestIdx - a.requestIdx);
  for (const c of rooms) {
    const li = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.dataset.requestIdx = String(c.requestIdx);
    button.setAttribute('aria-current', String(state.open === c.requestIdx));
    button.append(c.title);
    const status = document.createElement('span');
    status.className = 'status';
    status.textContent = `#${c.requestIdx} · ${c.status}${c.archived ? ' · archived' : ''}`;
    button.append(status);
    button.addEventListener('click', () => void openRoom(c.requestIdx).catch((e) => showError(e.message)));
    li.append(button);
    list.append(li);
  }
  $('request-form').hidden = !state.me.roles.includes('STUDENT');
}

$('request-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  api('POST', '/api/consultation/request', { professorId: form.get('professorId'), title: form.get('title'), content: form.get('content') })
    .then((c) => {
      state.rooms.set(c.requestIdx, c);
      event.target.reset();
      renderRooms();
    })
    .catch((e) => showError(e.message));
});

// ---- one consultation ---------------------------------------------------------------------------

function isParticipant(c) {
  return c.studentId === state.me.id || c.professorId === state.me.id;
}

function renderActions(c) {
  const box = $('actions');
  box.replaceChildren();
  const add = (label, run) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = label;
    b.addEventListener(
      'click',
      () =>
        void run()
          .then(updateRoom)
          .catch((e) => showError(e.message)),
    );
    box.append(b);
  };
  const amProfessor = c.professorId === state.me.id || state.me.roles.includes('ADMIN');
  if (c.status === 'PENDING' && amProfessor) {
    add('Approve', () => api('POST', '/api/consultation/approve', { requestIdx: c.requestIdx }));
    add('Reject', () => api('POST', '/api/consultation/reject', { requestIdx: c.requestIdx, reason: prompt('Reason?') || 'not possible' }));
  }
  if ((c.status === 'PENDING' || c.status === 'SCHEDULED') && c.studentId === state.me.id) {
    add('Cancel', () => api('POST', '/api/consultation/cancel', { requestIdx: c.requestIdx }));
  }
  if ((c.status === 'SCHEDULED' || c.status === 'IN_PROGRESS') && isParticipant(c)) {
    add('End consultation', () => api('POST', '/api/consultation/end', { requestIdx: c.requestIdx }));
  }
  if (c.archived) add('Download archive', () => downloadArchive(c.requestIdx));
}

function updateRoom(c) {
  if (!c || !c.requestIdx) return;
  state.rooms.set(c.requestIdx, c);
  renderRooms();
  if (state.open === c.requestIdx) renderRoomHeader(c);
}

function renderRoomHeader(c) {
  $('chat-title').textContent = c.title;
  $('chat-status').textContent = `#${c.requestIdx} · ${c.status}${c.endReason ? ` (${c.endReason})` : ''} · ${c.studentName} with ${c.professorName}`;
  const open = c.status === 'SCHEDULED' || c.status === 'IN_PROGRESS';
  $('message').disabled = !open || !isParticipant(c);
  renderActions(c);
}

async function downloadArchive(requestIdx) {
  const blob = await api('GET', `/api/chat/archive/download/${requestIdx}`);
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = `chat_${requestIdx}_final.txt`;
  a.textContent = a.download;
  a.id = 'archive-link';
  document.body.append(a);
  a.click();
  window.officeHoursArchiveText = await blob.text();
}

function appendMessage(m) {
  // History (REST) and live events can both carry a message: each is shown once.
  if (m.seq <= (state.shown.get(m.requestIdx) || 0)) return;
  state.shown.set(m.requestIdx, m.seq);
  if (state.open !== m.requestIdx) return;
  const li = document.createElement('li');
  li.className = m.senderId === state.me.id ? 'mine' : 'theirs';
  li.dataset.seq = String(m.seq);
  const meta = document.createElement('small');
  meta.textContent = `${m.senderRole} · ${new Date(m.sentAt).toLocaleTimeString()}`;
  li.append(meta, m.content);
  $('messages').append(li);
  li.scrollIntoView({ block: 'end' });
}

async function openRoom(requestIdx) {
  state.open = requestIdx;
  state.shown.set(requestIdx, 0);
  $('messages').replaceChildren();
  $('typing').textContent = '';
  $('read-mark').textContent = '';
  $('warning').hidden = true;
  $('chat').hidden = false;
  const c = await api('GET', `/api/consultation/${requestIdx}`);
  updateRoom(c);
  let last = 0;
  for await (const page of state.chat.history(requestIdx, { pageSize: 500 })) {
    page.forEach(appendMessage);
    last = page[page.length - 1].seq;
  }
  // The library syncs the room after every reconnect from what it last delivered.
  state.chat.follow(requestIdx, last);
  markRead();
  $('message').focus();
}

function markRead() {
  if (state.open && state.chat.state === 'connected') void state.chat.markRead(state.open);
}

$('message').addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey) {
    event.preventDefault();
    const content = event.target.value;
    if (!content.trim() || !state.open) return;
    // Retried by the library (same clientMsgId) until its RECEIPT, across reconnects.
    state.chat.send(state.open, content).catch((e) => showError(`${e.code}: ${e.message}`));
    event.target.value = '';
    return;
  }
  if (state.open) state.chat.typing(state.open);
});

// ---- real time ----------------------------------------------------------------------------------

let typingTimer;
function onEvent(e) {
  switch (e.type) {
    case 'CHAT':
      appendMessage(e);
      if (e.requestIdx === state.open && e.senderId !== state.me.id) markRead();
      break;
    case 'READ':
      if (e.requestIdx === state.open && e.readerId !== state.me.id) $('read-mark').textContent = `Read ${new Date(e.readAt).toLocaleTimeString()}`;
      break;
    case 'TYPING':
      if (e.requestIdx === state.open && e.userId !== state.me.id) {
        $('typing').textContent = 'typing…';
        clearTimeout(typingTimer);
        typingTimer = setTimeout(() => ($('typing').textContent = ''), 3000);
      }
      break;
    case 'STATUS':
      void api('GET', `/api/consultation/${e.requestIdx}`).then(updateRoom, (err) => showError(err.message));
      break;
    case 'WARNING':
      if (e.requestIdx === state.open) {
        $('warning').textContent = `This consultation ends automatically at ${new Date(e.endsAt).toLocaleString()}`;
        $('warning').hidden = false;
      }
      break;
  }
}

function connect() {
  const chat = OfficeHours.connect({ url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/chat`, getToken: () => state.token });
  chat.on('state', (s) => ($('connection').textContent = s === 'connected' ? 'connected' : `${s}…`));
  for (const type of ['CHAT', 'READ', 'TYPING', 'STATUS', 'WARNING']) chat.on(type, onEvent);
  chat.on('error', (e) => showError(`${e.code}: ${e.message}`));
  state.chat = chat;
}

async function main() {
  const token = new URLSearchParams(location.hash.slice(1)).get('token');
  const claims = token && claimsOf(token);
  if (!claims) return;
  state.token = token;
  const roles = (Array.isArray(claims.roles) ? claims.roles : [claims.role]).filter(Boolean).map((r) => String(r).replace(/^ROLE_/, ''));
  state.me = { id: claims.sub, roles };
  $('who').textContent = `${claims.name || claims.sub} (${roles.join(', ')})`;
  connect();
  await loadRooms();
}

main().catch((e) => showError(e.message));
