// The message box: Enter sends unless an input method is still composing (Korean is typed through one,
// and its Enter confirms a syllable), Shift+Enter is a new line, and a message over the server's limit is
// refused here with a visible count instead of going out.
import { $, showError } from './dom.js';
import { formatCount, t } from './messages.js';

/** The limit before the server has announced one (CONTRACT §2 default of CHAT_MAX_MESSAGE_CHARS). */
const DEFAULT_MAX_CHARS = 4000;

const lengthOf = (text) => (text.length > 0 ? [...text].length : 0);

export function setupComposer(client, { onSend, onTyping }) {
  const box = $('message');
  const count = $('composer-count');
  const error = $('composer-error');
  const max = () => client.maxMessageChars || DEFAULT_MAX_CHARS;

  const refresh = () => {
    const n = lengthOf(box.value);
    const over = n > max();
    count.textContent = n > 0 ? t('composer.count', { n: formatCount(n), max: formatCount(max()) }) : '';
    count.classList.toggle('over', over);
    box.setAttribute('aria-invalid', String(over));
    showError(error, over ? t('composer.tooLong', { n: formatCount(n), max: formatCount(max()) }) : undefined);
    return { n, over };
  };

  box.addEventListener('input', () => {
    refresh();
    if (box.value) onTyping();
  });
  box.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' || event.shiftKey) return;
    // keyCode 229: the Enter that ends an IME composition, in browsers that do not set isComposing.
    if (event.isComposing || event.keyCode === 229) return;
    event.preventDefault();
    const content = box.value;
    if (!content.trim()) return;
    if (refresh().over) return;
    box.value = '';
    refresh();
    onSend(content);
  });

  return {
    reset() {
      box.value = '';
      refresh();
    },
    /** `hint` is the box's placeholder: how to send, or why nothing can be sent here. */
    enable(enabled, hint) {
      box.disabled = !enabled;
      box.placeholder = hint;
    },
  };
}
