import { z } from 'zod';
import { listInput } from '../consultation/consultation-inputs';
import { safeString } from '../validation/parse-input';

/** `GET|POST /api/professors` (CONTRACT §4): `q` is matched as typed (NFC, so a decomposed Hangul query still matches). */
export const professorSearchInput = listInput.omit({ status: true }).extend({
  q: safeString(100)
    .transform((s) => s.trim().normalize('NFC'))
    .optional(),
});
export type ProfessorSearchInput = z.output<typeof professorSearchInput>;
