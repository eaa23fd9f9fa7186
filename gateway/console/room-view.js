// The open consultation's header: title, who with whom, status, the student's question, and the actions
// the person may take in this state (approve, reject with a reason, cancel, end, download the archive once
// it is written).
import { $, el, runAction, showError } from './dom.js';
import { formatDateTime, t } from './messages.js';

const FIRST_ARCHIVE_CHECK_MS = 2000;
const LONGEST_ARCHIVE_WAIT_MS = 30_000;

const isOpenForChat = (c) => c.status === 'SCHEDULED' || c.status === 'IN_PROGRESS';

export function canChat(c, me) {
  return isOpenForChat(c) && (c.studentId === me.id || c.professorId === me.id);
}

/** What the message box says: how to send, or why nothing can be sent in this consultation (yet). */
export function composerHint(c, me) {
  if (canChat(c, me)) return t('composer.placeholder');
  return t(c.status === 'PENDING' ? 'composer.pending' : 'composer.closed');
}

function statusLine(c) {
  const parts = [`#${c.requestIdx}`, t(`status.${c.status}`)];
  if (c.endReason) parts.push(t(`endReason.${c.endReason}`));
  if (c.status === 'SCHEDULED' && c.scheduledTime) parts.push(t('room.scheduled', { time: formatDateTime(c.scheduledTime) }));
  if (c.status === 'PENDING' && c.desiredTime) parts.push(t('room.desired', { time: formatDateTime(c.desiredTime) }));
  if (c.rejectReason) parts.push(t('room.rejected', { reason: c.rejectReason }));
  if (c.cancelReason) parts.push(t('room.canceled', { reason: c.cancelReason }));
  return parts.join(' · ');
}

async function download(client, requestIdx) {
  const blob = await client.downloadArchive(requestIdx);
  const link = el('a', { href: URL.createObjectURL(blob), download: `chat_${requestIdx}_final.txt` });
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
}

/** Renders the header of consultation `c`; `onChanged` receives the consultation an action returned. */
export function renderRoomHeader(client, store, c, onChanged) {
  const me = store.me;
  $('room-title').textContent = c.title;
  $('room-status').replaceChildren(
    el('span', { className: 'people', text: t('room.with', { student: c.studentName, professor: c.professorName }) }),
    el('span', { id: 'room-state', dataset: { status: c.status }, text: statusLine(c) }),
  );
  $('room-question-text').textContent = c.content;

  const error = $('room-error');
  const act = (label, run, className) =>
    el('button', {
      type: 'button',
      className,
      text: label,
      onclick: (event) => void runAction(error, run, event.currentTarget).then((changed) => changed && changed.requestIdx && onChanged(changed)),
    });
  const isProfessor = c.professorId === me.id || me.roles.includes('ADMIN');
  const isStudent = c.studentId === me.id;
  const rejectForm = $('reject-form');
  const actions = [];
  if (c.status === 'PENDING' && isProfessor) {
    actions.push(act(t('action.approve'), () => client.approveConsultation(c.requestIdx), 'primary'));
    actions.push(
      el('button', {
        type: 'button',
        text: t('action.reject'),
        'aria-expanded': String(!rejectForm.hidden),
        onclick: () => {
          rejectForm.hidden = !rejectForm.hidden;
          if (!rejectForm.hidden) $('reject-reason').focus();
        },
      }),
    );
  } else rejectForm.hidden = true;
  if ((c.status === 'PENDING' || c.status === 'SCHEDULED') && isStudent) actions.push(act(t('action.cancel'), () => client.cancelConsultation(c.requestIdx)));
  if (isOpenForChat(c) && (isStudent || c.professorId === me.id)) actions.push(act(t('action.end'), () => client.endConsultation(c.requestIdx)));
  if (c.archived) actions.push(act(t('action.download'), () => download(client, c.requestIdx)));
  else if (c.status === 'COMPLETED') actions.push(el('span', { id: 'archive-pending', className: 'hint', text: t('action.download.pending') }));
  $('room-actions').replaceChildren(...actions);
  rejectForm.onsubmit = (event) => {
    event.preventDefault();
    const reason = $('reject-reason').value;
    void runAction(error, () => client.rejectConsultation(c.requestIdx, reason), rejectForm.querySelector('button')).then((changed) => {
      if (!changed) return;
      rejectForm.reset();
      rejectForm.hidden = true;
      onChanged(changed);
    });
  };
}

export function showWarning(endsAt) {
  const warning = $('room-warning');
  warning.textContent = endsAt ? t('room.endsAt', { time: formatDateTime(endsAt) }) : '';
  warning.hidden = !endsAt;
}

export function clearRoomError() {
  showError($('room-error'), undefined);
}

/**
 * An ended consultation's archive is written by a worker a little later, and no event says when: while such a
 * room is open it is asked for again (from 2 s, doubling to 30 s) until it is archived, so its Download button
 * appears without a reload. Returns `watch(c)`, to call with every fresh copy of the open consultation.
 */
export function watchArchive(client, { isOpen, onArchived }) {
  let watching;
  let timer;

  const check = (idx, delay) => {
    timer = setTimeout(async () => {
      if (watching !== idx) return;
      if (!isOpen(idx)) {
        watching = undefined;
        return;
      }
      const fresh = await client.consultation(idx).catch(() => undefined);
      if (watching !== idx) return;
      if (fresh?.archived) {
        watching = undefined;
        onArchived(fresh);
      } else check(idx, Math.min(delay * 2, LONGEST_ARCHIVE_WAIT_MS));
    }, delay);
  };

  return (c) => {
    const waiting = c.status === 'COMPLETED' && !c.archived && isOpen(c.requestIdx);
    if (!waiting) {
      if (watching === c.requestIdx) watching = undefined;
      return;
    }
    if (watching === c.requestIdx) return;
    clearTimeout(timer);
    watching = c.requestIdx;
    check(c.requestIdx, FIRST_ARCHIVE_CHECK_MS);
  };
}
