// The student's request form: find a professor by name as they type (debounced; a slower, older answer
// never replaces a newer one), choose one, and send the request.
import { $, el, runAction, showError } from './dom.js';
import { t } from './messages.js';

const SEARCH_DELAY_MS = 250;
const RESULTS = 8;

export function setupRequestForm(client, { onCreated }) {
  const form = $('request-form');
  const search = $('professor-search');
  const results = $('professor-results');
  const chosenText = $('professor-chosen');
  const error = $('request-error');
  let chosen;
  let timer;
  let asked = 0;

  const showResults = (items, q) => {
    results.replaceChildren(
      ...(items.length
        ? items.map((p) =>
            el(
              'li',
              { role: 'option', 'aria-selected': String(chosen?.id === p.id) },
              el(
                'button',
                { type: 'button', dataset: { professorId: p.id }, onclick: () => choose(p) },
                el('span', { text: p.name }),
                el('small', { text: p.id }),
              ),
            ),
          )
        : [el('li', { className: 'hint', text: t('request.professor.none', { q }) })]),
    );
    results.hidden = false;
    search.setAttribute('aria-expanded', 'true');
  };

  const hideResults = () => {
    results.hidden = true;
    search.setAttribute('aria-expanded', 'false');
  };

  const choose = (p) => {
    chosen = p;
    search.value = p.name;
    chosenText.textContent = t('request.professor.chosen', { name: `${p.name} (${p.id})` });
    hideResults();
    $('request-title').focus();
  };

  const lookUp = async (q) => {
    const mine = ++asked;
    const page = await runAction(error, () => client.searchProfessors(q, { size: RESULTS }));
    if (page && mine === asked) showResults(page.items, q);
  };

  search.addEventListener('input', () => {
    chosen = undefined;
    chosenText.textContent = '';
    clearTimeout(timer);
    const q = search.value.trim();
    if (!q) {
      asked++;
      hideResults();
      return;
    }
    timer = setTimeout(() => void lookUp(q), SEARCH_DELAY_MS);
  });
  search.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') hideResults();
  });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!chosen) {
      showError(error, t('request.professor.missing'));
      search.focus();
      return;
    }
    const professor = chosen;
    const request = { professorId: professor.id, title: $('request-title').value, content: $('request-content').value };
    void runAction(error, () => client.requestConsultation(request), form.querySelector('button[type=submit]')).then((c) => {
      if (!c) return;
      form.reset();
      chosen = undefined;
      chosenText.textContent = '';
      $('request-done').textContent = t('request.sent', { name: professor.name });
      onCreated(c);
    });
  });
}
