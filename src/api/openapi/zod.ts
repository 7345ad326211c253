import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

// `.openapi({...})` on a schema adds what zod cannot say (a description, a media type); loaded before any route file's schemas
extendZodWithOpenApi(z);
