// GET /openapi.json: the API description, built once from the route specs (gateway/api/openapi.ts).
import express, { type Router } from 'express';
import type { OpenApiDocument } from '../api/openapi.ts';
import { mountRoute } from '../api/mount-route.ts';
import { openApiSpec } from '../api/service-api.ts';

export function openApiRouter(document: OpenApiDocument): Router {
  const router = express.Router();
  mountRoute(router, openApiSpec, (_input, _req, res) => {
    res.json(document);
  });
  return router;
}
