// Reads a configuration file the way Kea does: JSON with comments (#, // and
// /* */) allowed anywhere outside strings.
import { parse, printParseErrorCode, type ParseError } from 'jsonc-parser';

export class ConfigSyntaxError extends Error {}

/** Blanks out '#' comments (outside strings); jsonc-parser handles the other two kinds. */
const blankHashComments = (text: string): string => {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (inString) {
      out += char;
      if (char === '\\') out += text[++i] ?? '';
      else if (char === '"') inString = false;
    } else if (char === '"') {
      inString = true;
      out += char;
    } else if (char === '#') {
      while (i < text.length && text[i] !== '\n') {
        out += ' ';
        i++;
      }
      out += text[i] ?? '';
    } else if (char === '/' && text[i + 1] === '/') {
      // Copy other comments whole so a '#' or '"' inside is not taken for syntax.
      while (i < text.length && text[i] !== '\n') out += text[i++];
      out += text[i] ?? '';
    } else if (char === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end === -1 ? text.length : end + 2;
      out += text.slice(i, stop);
      i = stop - 1;
    } else {
      out += char;
    }
  }
  return out;
};

const lineAndColumn = (text: string, offset: number): string => {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${before[before.length - 1]!.length + 1}`;
};

export const parseKeaJson = (text: string, fileName = 'configuration'): unknown => {
  const errors: ParseError[] = [];
  const value: unknown = parse(blankHashComments(text), errors, {
    allowTrailingComma: false,
    disallowComments: false,
  });
  if (errors.length > 0) {
    const details = errors
      .map((error) => `${printParseErrorCode(error.error)} at ${lineAndColumn(text, error.offset)}`)
      .join('; ');
    throw new ConfigSyntaxError(`${fileName}: not valid JSON: ${details}`);
  }
  return value;
};
