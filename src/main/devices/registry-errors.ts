/** The device registry's errors (shared with its scanners). */
import { AuscultaError, InvalidArgumentError } from '../../core/errors'

export class UnknownSourceError extends InvalidArgumentError {}
/** The source cannot be used now: no audio addon, device gone, scan not answering. */
export class SourceUnavailableError extends AuscultaError {}
