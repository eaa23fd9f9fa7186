// Small DOM helpers the console's views share: building elements, filling the catalog's words into the
// page, and showing an error right where the action was (cleared by the next success there).
import { errorText, t } from './messages.js';

export const $ = (id) => document.getElementById(id);

/** An element with properties (`text`, `className`, `dataset`, attributes, `on*` listeners) and children. */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') node.textContent = value;
    else if (key === 'className') node.className = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2).toLowerCase(), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  node.append(...children.filter((c) => c !== undefined && c !== null && c !== false));
  return node;
}

/** Fills `data-i18n` texts and `data-i18n-placeholder` placeholders from the catalog. */
export function applyCatalog(root = document) {
  for (const node of root.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  for (const node of root.querySelectorAll('[data-i18n-placeholder]')) node.placeholder = t(node.dataset.i18nPlaceholder);
}

/** Shows an error (an OfficeHoursError or a text) in its place; `undefined` clears it. */
export function showError(node, err) {
  const text = err === undefined ? '' : typeof err === 'string' ? err : errorText(err);
  node.textContent = text;
  node.hidden = !text;
}

/**
 * Runs an action whose errors belong to `errorNode`: the error is shown there and cleared when the action
 * next succeeds; the button is disabled meanwhile so a double click does not send twice.
 */
export async function runAction(errorNode, action, button) {
  if (button) button.disabled = true;
  try {
    const result = await action();
    showError(errorNode, undefined);
    return result;
  } catch (err) {
    showError(errorNode, err);
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}
