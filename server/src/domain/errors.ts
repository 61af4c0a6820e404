/**
 * A rule was broken by the input. `field` names the input field at fault so that every layer
 * (HTTP, admin form, Content Manager) can point the user at it.
 */
export class DomainError extends Error {
  readonly field: string;
  readonly code: string;

  constructor(field: string, message: string, code = 'invalid') {
    super(message);
    this.name = 'DomainError';
    this.field = field;
    this.code = code;
  }
}

export const isDomainError = (error: unknown): error is DomainError =>
  error instanceof DomainError ||
  (typeof error === 'object' && error !== null && (error as { name?: string }).name === 'DomainError');
