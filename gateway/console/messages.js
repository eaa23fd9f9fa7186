// The console's words in every language it speaks, from one catalog, and the formats of the person's locale
// (CONTRACT §4: the console follows the browser's language). A key missing in one language falls back to English.

const CATALOG = {
  en: {
    'app.title': 'Office Hours',
    'signin.hint': 'Not signed in: open /console/#token=<your token>',
    'signin.refused': 'Sign-in failed: your token was refused. Open the console again with a fresh token.',
    'signin.expired': 'Sign-in failed: your token has expired. Open the console again with a fresh token.',
    'signin.unreadable': 'The token in this link cannot be read (it is not a JWT). Open /console/#token=<your token> with the whole token.',
    'who.roles.STUDENT': 'student',
    'who.roles.PROFESSOR': 'professor',
    'who.roles.ADMIN': 'admin',
    'state.connecting': 'connecting…',
    'state.connected': 'connected',
    'state.reconnecting': 'reconnecting…',
    'state.unauthenticated': 'signed out',
    'state.closed': 'offline',
    'rooms.heading': 'Consultations',
    'rooms.empty': 'No consultations yet.',
    'rooms.unread': '{n} unread',
    'request.heading': 'Request a consultation',
    'request.professor': 'Professor',
    'request.professor.placeholder': 'Type a name',
    'request.professor.none': 'No professor matches “{q}”.',
    'request.professor.chosen': 'Chosen: {name}',
    'request.professor.missing': 'Choose a professor from the list first.',
    'request.title': 'Title',
    'request.question': 'Question',
    'request.submit': 'Request',
    'request.sent': 'Request sent to {name}.',
    'room.pick': 'Choose a consultation on the left.',
    'room.with': '{student} with {professor}',
    'room.question': 'Question',
    'room.desired': 'Desired time: {time}',
    'room.scheduled': 'Scheduled: {time}',
    'room.rejected': 'Rejected: {reason}',
    'room.canceled': 'Canceled: {reason}',
    'room.endsAt': 'This consultation ends automatically at {time}.',
    'room.typing': '{name} is typing…',
    'room.readAt': 'Read {time}',
    'room.loading': 'Loading messages…',
    'room.empty': 'No messages yet.',
    'action.approve': 'Approve',
    'action.reject': 'Reject',
    'action.reject.reason': 'Reason for rejecting',
    'action.reject.confirm': 'Reject request',
    'action.cancel': 'Cancel request',
    'action.end': 'End consultation',
    'action.download': 'Download archive',
    'action.download.pending': 'The archive is being prepared…',
    'status.PENDING': 'waiting for approval',
    'status.SCHEDULED': 'approved',
    'status.IN_PROGRESS': 'in progress',
    'status.COMPLETED': 'ended',
    'status.REJECTED': 'rejected',
    'status.CANCELED': 'canceled',
    'status.archived': 'archived',
    'endReason.USER': 'ended by a participant',
    'endReason.INACTIVE': 'ended after inactivity',
    'endReason.MAX_DURATION': 'ended at the time limit',
    'composer.label': 'Message',
    'composer.placeholder': 'Type a message. Enter sends, Shift+Enter starts a new line.',
    'composer.pending': 'You can chat once the request is approved.',
    'composer.closed': 'This consultation is closed; no more messages can be sent.',
    'composer.count': '{n} / {max}',
    'composer.tooLong': 'This message is {n} characters long; the limit is {max}. Shorten it to send.',
    'message.sending': 'sending…',
    'message.failed': 'not sent: {reason}',
    'message.retry': 'Retry',
    'error.generic': 'Something went wrong ({code}). Try again.',
    'error.VALIDATION_FAILED': 'That was not accepted: {message}',
    'error.UNAUTHENTICATED': 'Your sign-in is no longer valid. Open the console again with a fresh token.',
    'error.FORBIDDEN': 'You are not allowed to do that.',
    'error.NOT_PARTICIPANT': 'You are not part of this consultation.',
    'error.NOT_FOUND': 'Not found: {message}',
    'error.INVALID_STATE_TRANSITION': 'Not possible any more: {message}',
    'error.PAYLOAD_TOO_LARGE': 'Too long: {message}',
    'error.RATE_LIMITED': 'Too many requests; wait a moment and try again.',
    'error.INTERNAL': 'The server had a problem. Try again.',
    'error.OUTBOX_FULL': 'Too many messages are waiting to be sent.',
    'error.CLOSED': 'The connection was closed.',
  },
  ko: {
    'app.title': 'Office Hours 상담',
    'signin.hint': '로그인되지 않았습니다: /console/#token=<토큰> 으로 여세요',
    'signin.refused': '로그인 실패: 토큰이 거부되었습니다. 새 토큰으로 콘솔을 다시 여세요.',
    'signin.expired': '로그인 실패: 토큰이 만료되었습니다. 새 토큰으로 콘솔을 다시 여세요.',
    'signin.unreadable': '이 링크의 토큰을 읽을 수 없습니다 (JWT가 아닙니다). /console/#token=<토큰> 에 토큰 전체를 넣어 여세요.',
    'who.roles.STUDENT': '학생',
    'who.roles.PROFESSOR': '교수',
    'who.roles.ADMIN': '관리자',
    'state.connecting': '연결 중…',
    'state.connected': '연결됨',
    'state.reconnecting': '다시 연결 중…',
    'state.unauthenticated': '로그아웃됨',
    'state.closed': '오프라인',
    'rooms.heading': '상담 목록',
    'rooms.empty': '아직 상담이 없습니다.',
    'rooms.unread': '읽지 않음 {n}',
    'request.heading': '상담 신청',
    'request.professor': '교수',
    'request.professor.placeholder': '이름을 입력하세요',
    'request.professor.none': '“{q}”에 해당하는 교수가 없습니다.',
    'request.professor.chosen': '선택: {name}',
    'request.professor.missing': '먼저 목록에서 교수를 선택하세요.',
    'request.title': '제목',
    'request.question': '질문',
    'request.submit': '신청',
    'request.sent': '{name} 교수님께 신청했습니다.',
    'room.pick': '왼쪽에서 상담을 선택하세요.',
    'room.with': '{student} · {professor}',
    'room.question': '질문',
    'room.desired': '희망 시간: {time}',
    'room.scheduled': '예정 시간: {time}',
    'room.rejected': '거절 사유: {reason}',
    'room.canceled': '취소 사유: {reason}',
    'room.endsAt': '이 상담은 {time}에 자동으로 종료됩니다.',
    'room.typing': '{name} 님이 입력 중…',
    'room.readAt': '{time} 읽음',
    'room.loading': '메시지를 불러오는 중…',
    'room.empty': '아직 메시지가 없습니다.',
    'action.approve': '승인',
    'action.reject': '거절',
    'action.reject.reason': '거절 사유',
    'action.reject.confirm': '신청 거절',
    'action.cancel': '신청 취소',
    'action.end': '상담 종료',
    'action.download': '기록 내려받기',
    'action.download.pending': '기록을 보관하는 중…',
    'status.PENDING': '승인 대기',
    'status.SCHEDULED': '승인됨',
    'status.IN_PROGRESS': '진행 중',
    'status.COMPLETED': '종료',
    'status.REJECTED': '거절됨',
    'status.CANCELED': '취소됨',
    'status.archived': '보관됨',
    'endReason.USER': '참여자가 종료',
    'endReason.INACTIVE': '활동이 없어 종료',
    'endReason.MAX_DURATION': '시간 제한으로 종료',
    'composer.label': '메시지',
    'composer.placeholder': '메시지를 입력하세요. Enter로 보내고 Shift+Enter로 줄을 바꿉니다.',
    'composer.pending': '신청이 승인되면 대화할 수 있습니다.',
    'composer.closed': '종료된 상담입니다. 더 이상 메시지를 보낼 수 없습니다.',
    'composer.count': '{n} / {max}',
    'composer.tooLong': '메시지가 {n}자입니다. 최대 {max}자까지 보낼 수 있으니 줄여 주세요.',
    'message.sending': '보내는 중…',
    'message.failed': '전송 실패: {reason}',
    'message.retry': '다시 보내기',
    'error.generic': '문제가 생겼습니다 ({code}). 다시 시도하세요.',
    'error.VALIDATION_FAILED': '받아들여지지 않았습니다: {message}',
    'error.UNAUTHENTICATED': '로그인이 더 이상 유효하지 않습니다. 새 토큰으로 콘솔을 다시 여세요.',
    'error.FORBIDDEN': '이 작업을 할 권한이 없습니다.',
    'error.NOT_PARTICIPANT': '이 상담의 참여자가 아닙니다.',
    'error.NOT_FOUND': '찾을 수 없습니다: {message}',
    'error.INVALID_STATE_TRANSITION': '지금은 할 수 없습니다: {message}',
    'error.PAYLOAD_TOO_LARGE': '너무 깁니다: {message}',
    'error.RATE_LIMITED': '요청이 너무 많습니다. 잠시 후 다시 시도하세요.',
    'error.INTERNAL': '서버에 문제가 생겼습니다. 다시 시도하세요.',
    'error.OUTBOX_FULL': '보내기를 기다리는 메시지가 너무 많습니다.',
    'error.CLOSED': '연결이 닫혔습니다.',
  },
};

/** The first of the browser's languages the catalog speaks; English otherwise. */
function pickLanguage(languages) {
  for (const tag of languages) {
    const base = String(tag).toLowerCase().split('-')[0];
    if (base in CATALOG) return { language: base, locale: tag };
  }
  return { language: 'en', locale: 'en-US' };
}

const chosen = pickLanguage(navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language]);
export const language = chosen.language;
export const locale = chosen.locale;

/** The text for `key` with `{name}` placeholders filled in. */
export function t(key, params = {}) {
  const text = CATALOG[language][key] ?? CATALOG.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in params ? String(params[name]) : `{${name}}`));
}

/** An error for people: the contract's code in their language, the server's detail where it helps. */
export function errorText(err) {
  const code = err && err.code;
  const key = `error.${code}`;
  if (code && (CATALOG.en[key] || CATALOG[language][key])) return t(key, { message: err.message || '' });
  return t('error.generic', { code: code || (err && err.message) || 'unknown' });
}

const timeFormat = new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit' });
const dateTimeFormat = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });

/** Today's times as a time; anything older with its date, so a message from last week says so. */
export function formatWhen(iso, now = new Date()) {
  const d = new Date(iso);
  return d.toDateString() === now.toDateString() ? timeFormat.format(d) : dateTimeFormat.format(d);
}

export function formatDateTime(iso) {
  return dateTimeFormat.format(new Date(iso));
}

export function formatCount(n) {
  return new Intl.NumberFormat(locale).format(n);
}
