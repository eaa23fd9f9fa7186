// One consultation's messages as people read them: the sender's name, the time (with the date when it is
// not today), one's own messages on the right, and for one's own unsent messages a sending/failed mark with
// a retry button.
import { $, el } from './dom.js';
import { errorText, formatWhen, t } from './messages.js';

function senderName(c, m) {
  if (m.senderId === c.studentId) return c.studentName;
  if (m.senderId === c.professorId) return c.professorName;
  return m.senderRole;
}

function messageItem(c, m, me) {
  const mine = m.senderId === me.id;
  return el(
    'li',
    { className: mine ? 'mine' : 'theirs', dataset: { seq: String(m.seq) } },
    el(
      'small',
      { className: 'meta' },
      el('span', { className: 'sender', text: senderName(c, m) }),
      ' · ',
      el('time', { datetime: m.sentAt, text: formatWhen(m.sentAt) }),
    ),
    el('p', { className: 'content', text: m.content }),
  );
}

function pendingItem(c, p, me, onRetry) {
  const failed = p.state === 'failed';
  return el(
    'li',
    { className: `mine ${failed ? 'failed' : 'sending'}`, dataset: { pending: p.localId } },
    el('small', { className: 'meta' }, el('span', { className: 'sender', text: c.studentId === me.id ? c.studentName : c.professorName })),
    el('p', { className: 'content', text: p.content }),
    el(
      'small',
      { className: 'mark' },
      failed ? t('message.failed', { reason: errorText(p.error) }) : t('message.sending'),
      failed && el('button', { type: 'button', className: 'retry', onclick: () => onRetry(p) }, t('message.retry')),
    ),
  );
}

/** Redraws the open room's messages; keeps the view at the bottom when it was there. */
export function renderMessages(store, onRetry) {
  const list = $('messages');
  const c = store.rooms.get(store.open);
  if (!c) return list.replaceChildren();
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  const messages = [...(store.messages.get(c.requestIdx)?.values() ?? [])].sort((a, b) => a.seq - b.seq);
  const pending = store.pending.get(c.requestIdx) ?? [];
  const loading = !store.loaded.has(c.requestIdx);
  list.replaceChildren(
    ...messages.map((m) => messageItem(c, m, store.me)),
    ...pending.map((p) => pendingItem(c, p, store.me, onRetry)),
    ...(messages.length + pending.length === 0 ? [el('li', { className: 'hint', text: t(loading ? 'room.loading' : 'room.empty') })] : []),
  );
  if (atBottom || pending.length) list.scrollTop = list.scrollHeight;
}
