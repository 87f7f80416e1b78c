import sjson from 'secure-json-parse';

/** Why a body is not usable JSON: not JSON at all, empty, or JSON that tries prototype poisoning. */
export type JsonProblem = 'empty_body' | 'invalid_json' | 'forbidden_property';

/**
 * Parses a request body. `__proto__` keys and `constructor.prototype` anywhere in the document are refused
 * (secure-json-parse): merged into an object later they would rewrite the prototype of every object.
 */
export function parseJsonBody(text: string): { value: unknown } | { problem: JsonProblem } {
  if (text.length === 0) return { problem: 'empty_body' };
  try {
    return { value: sjson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' }) };
  } catch {
    // Only on the error path: valid JSON that secure-json-parse refused is a poisoning attempt.
    try {
      JSON.parse(text);
      return { problem: 'forbidden_property' };
    } catch {
      return { problem: 'invalid_json' };
    }
  }
}
