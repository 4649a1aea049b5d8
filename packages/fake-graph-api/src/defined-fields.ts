/**
 * The fields of a patch that are set: in the control API `undefined` means "leave as it is".
 *
 * @example
 * ({ ...current, ...definedFields({ reads: false, delivers: undefined }) }); // only `reads` changes
 */
export function definedFields<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)) as Partial<T>;
}
