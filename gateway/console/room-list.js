// The list of the person's consultations, newest first, each with its status and unread count.
import { $, el } from './dom.js';
import { formatCount, t } from './messages.js';

export function renderRoomList(store, onOpen) {
  const rooms = [...store.rooms.values()].sort((a, b) => b.requestIdx - a.requestIdx);
  $('rooms').replaceChildren(
    ...rooms.map((c) => {
      const unread = store.unread.get(c.requestIdx) || 0;
      const other = c.studentId === store.me.id ? c.professorName : c.studentName;
      const status = `${t(`status.${c.status}`)}${c.archived ? ` · ${t('status.archived')}` : ''}`;
      return el(
        'li',
        {},
        el(
          'button',
          {
            type: 'button',
            dataset: { requestIdx: String(c.requestIdx), status: c.status },
            'aria-current': String(store.open === c.requestIdx),
            onclick: () => onOpen(c.requestIdx),
          },
          el('span', { className: 'room-title', text: c.title }),
          unread > 0 && el('span', { className: 'unread', dataset: { unread: String(unread) }, text: t('rooms.unread', { n: formatCount(unread) }) }),
          el('span', { className: 'status', text: `${other} · ${status}` }),
        ),
      );
    }),
  );
  $('rooms-empty').hidden = rooms.length > 0;
}
