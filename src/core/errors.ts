/**
 * One error hierarchy for the whole project (librosa-style): every failure that bad input can
 * cause is an `AuscultaError` subclass whose message names the file, field and value at fault.
 */
export class AuscultaError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
  }
}

/** A value given by a caller (argument, option, setting) is out of its domain. */
export class InvalidArgumentError extends AuscultaError {}

/** A file or byte stream does not follow the format it claims. */
export class FormatError extends AuscultaError {}
