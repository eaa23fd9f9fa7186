import { validationFailed } from '../errors/app-error';

/** Parses a request body that must be a JSON object (REST bodies, STOMP SEND bodies). */
export function parseJsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw validationFailed('body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw validationFailed('body must be a JSON object');
  return value as Record<string, unknown>;
}
