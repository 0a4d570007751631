// Validators of schemas/app.schema.json and schemas/opsdeck.schema.json.
// NOTE: `npm run build` replaces this module in dist/ with ajv's standalone
// code for the same schemas and options (scripts/build.mjs), so the server
// skips schema compilation at start; tests run this source module.
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { ValidateFunction } from 'ajv';
import appSchema from '../schemas/app.schema.json' with { type: 'json' };
import settingsSchema from '../schemas/opsdeck.schema.json' with { type: 'json' };

// ajv and ajv-formats are CommonJS; under NodeNext the class sits on `.default` in types but not always at run time.
const Ajv2020 = ((Ajv2020Module as unknown as { default?: unknown }).default ?? Ajv2020Module) as unknown as typeof Ajv2020Module.default;
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as typeof addFormatsModule.default;

/** Options shared with the build's standalone compilation; keep the two in step. */
export const AJV_OPTIONS = { allErrors: true, verbose: true, strict: true, allowUnionTypes: true } as const;

const ajv = new Ajv2020(AJV_OPTIONS);
addFormats(ajv);

export const validateAppSchema: ValidateFunction = ajv.compile(appSchema);
export const validateSettingsSchema: ValidateFunction = ajv.compile(settingsSchema);
