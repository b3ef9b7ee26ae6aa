/**
 * Whether an id could be stored at all. Ids are server-assigned UUIDs in ASCII columns on MySQL,
 * where comparing one with a non-ASCII string is an error ("Illegal mix of collations"), not a
 * miss: repositories answer "not found" for such an id without asking the database.
 */
export function isAsciiId(id: string): boolean {
  return !/[\u0080-\uffff]/.test(id);
}
