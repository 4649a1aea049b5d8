import type { z } from 'zod';
import type { BusinessRecord, TemplateRecord } from '../accounts/accounts';
import { type GraphErrorResponse, whatsAppError } from '../errors/graph-error';
import type { SendTemplateObject } from './send-schemas';

/** The distinct `{{1}}` / `{{name}}` variables of a template text. */
function variablesOf(text: string | undefined): number {
  return new Set(text?.match(/\{\{\s*[\w]+\s*\}\}/g) ?? []).size;
}

/**
 * Finds the template a send names and checks it as Meta does: 132001 when it does not exist in that
 * language or is not approved, 132015 paused, 132016 disabled, 132000 when the header or body
 * parameters do not match the template's variables.
 *
 * @example
 * const checked = checkTemplateSend(business, { name: 'order_update', language: { code: 'en_US' } });
 * if (!checked.ok) return graphError(c, checked.error);
 */
export function checkTemplateSend(
  business: BusinessRecord,
  requested: z.output<typeof SendTemplateObject>,
): { ok: true; template: TemplateRecord } | { ok: false; error: GraphErrorResponse } {
  const template = business.templates.find(
    (candidate) => candidate.name === requested.name && candidate.language === requested.language.code,
  );
  if (template === undefined || !['APPROVED', 'PAUSED', 'DISABLED'].includes(template.status)) {
    return {
      ok: false,
      error: whatsAppError(132001, {
        details: `template name (${requested.name}) does not exist in ${requested.language.code}`,
      }),
    };
  }
  if (template.status === 'PAUSED') return { ok: false, error: whatsAppError(132015) };
  if (template.status === 'DISABLED') return { ok: false, error: whatsAppError(132016) };
  for (const part of ['header', 'body'] as const) {
    const defined = template.components.find((component) => component.type === part.toUpperCase());
    if (part === 'header' && defined?.format !== undefined && defined.format !== 'TEXT') continue;
    const expected = variablesOf(defined?.text);
    const given = requested.components
      ?.filter((component) => component.type === part)
      .reduce((count, component) => count + (component.parameters?.length ?? 0), 0);
    if ((given ?? 0) !== expected) {
      return {
        ok: false,
        error: whatsAppError(132000, {
          details: `${part}: number of localizable_params (${given ?? 0}) does not match the expected number of params (${expected})`,
        }),
      };
    }
  }
  return { ok: true, template };
}
