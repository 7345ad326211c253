import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { openApiDocument } from '../../src/api/openapi/document';

/**
 * Checks answers against the OpenAPI document the API serves: every answer of a documented operation must have
 * a documented status, and a JSON body that its schema accepts. Answers of undocumented paths or methods
 * (a 404 for a route that does not exist) are not an operation's and are left alone.
 */
interface Operation {
  method: string;
  template: string;
  pattern: RegExp;
  params: number;
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

let operations: Operation[] | undefined;
const validators = new Map<string, ValidateFunction>();
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);

function loadOperations(): Operation[] {
  if (operations) return operations;
  const doc = openApiDocument() as unknown as { paths: Record<string, Record<string, { responses: Operation['responses'] }>> };
  operations = [];
  for (const [template, item] of Object.entries(doc.paths)) {
    const source = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{\w+\}/g, '[^/]+');
    for (const [method, operation] of Object.entries(item)) {
      operations.push({
        method: method.toUpperCase(),
        template,
        pattern: new RegExp(`^${source}$`),
        params: (template.match(/\{/g) ?? []).length,
        responses: operation.responses,
      });
    }
  }
  // a literal segment wins over a parameter, as in the router (`/failed-jobs/groups` before `/failed-jobs/{id}`)
  operations.sort((a, b) => a.params - b.params);
  return operations;
}

/** The operation a request is, as OpenAPI reads paths: the most literal matching path decides, then the method. */
export function findOperation(method: string, path: string): Operation | undefined {
  const pathname = path.split('?')[0];
  const matching = loadOperations().filter((op) => op.pattern.test(pathname));
  if (matching.length === 0) return undefined;
  return matching.find((op) => op.params === matching[0].params && op.method === method.toUpperCase());
}

/** What is wrong with this answer by the document, or undefined when it conforms (or is no documented operation's). */
export function contractViolation(method: string, path: string, status: number, contentType: string | null, body: unknown): string | undefined {
  const operation = findOperation(method, path);
  if (!operation) return undefined;
  const response = operation.responses[String(status)] ?? operation.responses.default;
  const where = `${method.toUpperCase()} ${operation.template} answered ${status}`;
  if (!response) return `${where}, a status the document does not list (it lists ${Object.keys(operation.responses).join(', ')})`;
  const mediaType = (contentType ?? '').split(';')[0].trim();
  if (!response.content) return undefined;
  const declared = response.content[mediaType];
  if (!declared) {
    if (!mediaType && (body === '' || body === undefined)) return undefined;
    return `${where} with Content-Type ${mediaType || '(none)'}, which the document does not list (${Object.keys(response.content).join(', ')})`;
  }
  if (mediaType !== 'application/json' || declared.schema === undefined) return undefined;
  const key = `${operation.method} ${operation.template} ${status}`;
  let validate = validators.get(key);
  if (!validate) {
    validate = ajv.compile(declared.schema as object);
    validators.set(key, validate);
  }
  if (validate(body)) return undefined;
  return `${where} with a body its schema refuses: ${ajv.errorsText(validate.errors, { separator: '; ' })}\nbody: ${JSON.stringify(body).slice(0, 2000)}`;
}

/** Throws when the answer drifts from the contract, so the test that produced it fails. */
export function assertConformsToContract(method: string, path: string, status: number, contentType: string | null, body: unknown): void {
  const violation = contractViolation(method, path, status, contentType, body);
  if (violation) throw new Error(`The answer does not conform to the OpenAPI document: ${violation}`);
}
