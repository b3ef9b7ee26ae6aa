// The date-time reader is shared with request validation, so a stored value and a query value name
// the same instant as the one the API accepted.
export { parseInstant } from '@app/tmf-common/core';
