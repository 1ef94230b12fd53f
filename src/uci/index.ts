export type { UciPackage, UciSection, UciSpan, UciValue } from './types';
export { UciParseError } from './types';
export { parseUci } from './parse';
export { quoteUci, serializeSection, serializeUci } from './write';
export { editUci, type UciEdits } from './edit';
export { anonymousName, isUciName, isUciPackageName, isUciType } from './names';
