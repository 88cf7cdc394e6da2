using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace SoraFunctions.Http;

/// <summary>
/// <c>GET /api/openapi.json</c>: the OpenAPI 3.1 description of the HTTP API, made from <see cref="ApiRoutes.All"/> (so
/// no route is missing or invented) plus the hand-written operations and schemas below. Both hosts serve the same
/// document; a route without a hand-written operation still appears, with a generic one.
/// </summary>
public static class OpenApiDocument
{
    static readonly Lazy<string> Document = new(() => Build().ToJsonString(VideoApi.Json));

    /// <summary>The handler of the <c>GetOpenApi</c> route.</summary>
    public static IResult Serve() => TypedResults.Text(Document.Value, "application/json; charset=utf-8");

    /// <summary>The document as a JSON tree.</summary>
    public static JsonObject Build()
    {
        var paths = new JsonObject();
        foreach (IGrouping<string, ApiRoute> path in ApiRoutes.All.GroupBy(r => "/api/" + r.Template.Replace("{*", "{", StringComparison.Ordinal), StringComparer.Ordinal))
        {
            var item = new JsonObject();
            foreach (ApiRoute route in path)
            {
                JsonObject operation = Operations.TryGetValue(route.FunctionName, out string? text)
                    ? (JsonObject)JsonNode.Parse(text)!
                    : new JsonObject { ["summary"] = route.FunctionName, ["responses"] = new JsonObject { ["default"] = Ref("responses", "Problem") } };
                operation["operationId"] = route.FunctionName;
                var parameters = new JsonArray();
                foreach (string name in PathParameters(route.Template))
                {
                    parameters.Add(new JsonObject { ["name"] = name, ["in"] = "path", ["required"] = true, ["schema"] = new JsonObject { ["type"] = "string" } });
                }

                if (operation["parameters"] is JsonArray extra)
                {
                    foreach (JsonNode? p in extra)
                    {
                        parameters.Add(p?.DeepClone());
                    }
                }

                operation.Remove("parameters");
                if (parameters.Count > 0)
                {
                    operation["parameters"] = parameters;
                }

                if (route.Anonymous)
                {
                    operation["security"] = new JsonArray();
                }

                item[route.Method.ToLowerInvariant()] = operation;
            }

            paths[path.Key] = item;
        }

        var document = (JsonObject)JsonNode.Parse(Skeleton)!;
        document["paths"] = paths;
        return document;
    }

    static IEnumerable<string> PathParameters(string template) =>
        template.Split('/').Where(s => s.StartsWith('{')).Select(s => s.Trim('{', '}', '*'));

    static JsonObject Ref(string kind, string name) => new() { ["$ref"] = $"#/components/{kind}/{name}" };

    static readonly Dictionary<string, string> Operations = new(StringComparer.Ordinal)
    {
        ["SubmitVideoJob"] = """
            {"summary":"Start a video job","tags":["videos"],
             "description":"Validates the request, charges its estimated cost to the caller's daily budget and starts the job. The same `id` again answers 200 with the existing job.",
             "requestBody":{"required":true,"content":{"application/json":{"schema":{"$ref":"#/components/schemas/SubmitRequest"}}}},
             "responses":{
               "202":{"description":"Started.","headers":{"Location":{"schema":{"type":"string"},"description":"The job: /api/videos/{id}"}},"content":{"application/json":{"schema":{"$ref":"#/components/schemas/SubmitResponse"}}}},
               "200":{"description":"The job with this id already exists (idempotent resubmit).","content":{"application/json":{"schema":{"$ref":"#/components/schemas/SubmitResponse"}}}},
               "400":{"$ref":"#/components/responses/ValidationProblem"},
               "409":{"$ref":"#/components/responses/Problem"},
               "415":{"$ref":"#/components/responses/Problem"},
               "429":{"$ref":"#/components/responses/BudgetProblem"}}}
            """,
        ["ListVideoJobs"] = """
            {"summary":"The caller's recent jobs, newest first","tags":["videos"],
             "parameters":[{"$ref":"#/components/parameters/limit"},{"$ref":"#/components/parameters/continuationToken"}],
             "responses":{"200":{"description":"A page of jobs.","content":{"application/json":{"schema":{"$ref":"#/components/schemas/JobList"}}}},
               "400":{"$ref":"#/components/responses/ValidationProblem"}}}
            """,
        ["GetVideoJob"] = """
            {"summary":"A job's status","tags":["videos"],
             "responses":{"200":{"description":"The job.","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Job"}}}},
               "404":{"$ref":"#/components/responses/Problem"}}}
            """,
        ["GetVideoJobContent"] = """
            {"summary":"The finished MP4","tags":["videos"],
             "responses":{"302":{"description":"A short-lived read-only link to the blob.","headers":{"Location":{"schema":{"type":"string","format":"uri"}}}},
               "200":{"description":"The video, streamed when no link can be made.","content":{"video/mp4":{"schema":{"type":"string","contentMediaType":"video/mp4"}}}},
               "404":{"$ref":"#/components/responses/Problem"},
               "409":{"$ref":"#/components/responses/Problem"}}}
            """,
        ["GetVideoJobRendition"] = """
            {"summary":"A rendition stored beside the MP4 (thumbnail, spritesheet)","tags":["videos"],
             "responses":{"302":{"description":"A short-lived read-only link to the blob.","headers":{"Location":{"schema":{"type":"string","format":"uri"}}}},
               "200":{"description":"The rendition, streamed when no link can be made.","content":{"image/*":{"schema":{"type":"string"}}}},
               "404":{"$ref":"#/components/responses/Problem"}}}
            """,
        ["CancelVideoJob"] = """
            {"summary":"Cancel a running job (idempotent)","tags":["videos"],
             "responses":{"202":{"description":"The job cancels at its next wait.","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Job"}}}},
               "200":{"description":"The job had already ended; nothing changed.","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Job"}}}},
               "404":{"$ref":"#/components/responses/Problem"}}}
            """,
        ["ListLibrary"] = """
            {"summary":"The catalog of finished videos, newest first","tags":["library"],
             "parameters":[{"$ref":"#/components/parameters/limit"},{"$ref":"#/components/parameters/continuationToken"}],
             "responses":{"200":{"description":"A page of the catalog.","content":{"application/json":{"schema":{"$ref":"#/components/schemas/CatalogPage"}}}},
               "400":{"$ref":"#/components/responses/ValidationProblem"}}}
            """,
        ["GetUsage"] = """
            {"summary":"The caller's videos, seconds and estimated cost today and this month","tags":["usage"],
             "responses":{"200":{"description":"Usage and the budgets in force (an admin gets every caller's).","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Usage"}}}}}}
            """,
        ["ListModels"] = """
            {"summary":"The models, sizes and durations a client may ask for, the defaults and the optional features","tags":["videos"],
             "responses":{"200":{"description":"The catalog.","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Models"}}}}}}
            """,
        ["ProviderWebhook"] = """
            {"summary":"The provider's signed webhook events (e.g. /api/webhooks/sora)","tags":["webhooks"],
             "description":"Anonymous at the HTTP level, authenticated by the Standard Webhooks signature (webhook-id, webhook-timestamp, webhook-signature).",
             "requestBody":{"required":true,"content":{"application/json":{"schema":{"type":"object"}}}},
             "responses":{"200":{"description":"Taken: what was done with the event (video stored: stored here and the job told; job woken: the job checks at once; duplicate, ignored, unknown video, job already finished).",
                 "content":{"application/json":{"schema":{"type":"object","required":["result"],"properties":{
                   "result":{"type":"string","enum":["video stored","job woken","duplicate","ignored","unknown video","job already finished"]},
                   "jobId":{"type":["string","null"]}}}}}},
               "400":{"$ref":"#/components/responses/Problem"},
               "401":{"$ref":"#/components/responses/Problem"},
               "404":{"$ref":"#/components/responses/Problem"},
               "409":{"$ref":"#/components/responses/Problem"},
               "413":{"$ref":"#/components/responses/Problem"}}}
            """,
        ["GetOpenApi"] = """
            {"summary":"This document (OpenAPI 3.1)","tags":["meta"],
             "responses":{"200":{"description":"The description of every route.","content":{"application/json":{"schema":{"type":"object"}}}}}}
            """,
        ["WebPage"] = """
            {"summary":"The web page and its files (index.html for an empty path)","tags":["meta"],
             "responses":{"200":{"description":"A file of the page.","content":{"text/html":{"schema":{"type":"string"}},"text/css":{"schema":{"type":"string"}},"text/javascript":{"schema":{"type":"string"}}}},
               "404":{"$ref":"#/components/responses/Problem"}}}
            """,
    };

    const string Skeleton = """
        {
          "openapi": "3.1.0",
          "info": {
            "title": "SoraFunctions",
            "version": "1.0",
            "summary": "Text prompt in, MP4 in Azure Blob Storage out.",
            "description": "Start video jobs, follow them, fetch the finished MP4. Every client mistake is a 4xx application/problem+json naming the field."
          },
          "servers": [ { "url": "/" } ],
          "security": [ { "functionKey": [] }, { "functionKeyQuery": [] }, {} ],
          "tags": [
            { "name": "videos" }, { "name": "usage" }, { "name": "library" }, { "name": "webhooks" }, { "name": "meta" }
          ],
          "components": {
            "securitySchemes": {
              "functionKey": { "type": "apiKey", "in": "header", "name": "x-functions-key", "description": "The Functions app's function key (not needed on the local host or behind Easy Auth)." },
              "functionKeyQuery": { "type": "apiKey", "in": "query", "name": "code" }
            },
            "parameters": {
              "limit": { "name": "limit", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 100, "default": 20 } },
              "continuationToken": { "name": "continuationToken", "in": "query", "schema": { "type": "string" }, "description": "From the previous page." }
            },
            "responses": {
              "Problem": { "description": "A problem (RFC 9457).", "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } } },
              "ValidationProblem": { "description": "The request is not valid; `errors` names each field.", "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/ValidationProblem" } } } },
              "BudgetProblem": {
                "description": "A daily budget would be exceeded; nothing started.",
                "headers": { "Retry-After": { "schema": { "type": "integer" }, "description": "Seconds until the budget's day ends (00:00 UTC)." } },
                "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/BudgetProblem" } } }
              }
            },
            "schemas": {
              "SubmitRequest": {
                "type": "object", "required": ["prompt"],
                "properties": {
                  "prompt": { "type": "string", "minLength": 1, "description": "At most Videos__MaxPromptLength characters (10,000 by default)." },
                  "model": { "type": "string", "examples": ["sora-2"] },
                  "seconds": { "type": "string", "examples": ["4"] },
                  "size": { "type": "string", "pattern": "^[0-9]+x[0-9]+$", "examples": ["720x1280"] },
                  "id": { "type": "string", "description": "Makes the submission idempotent." }
                }
              },
              "SubmitResponse": {
                "type": "object", "required": ["id", "status", "statusUri", "contentUri", "statusQueryGetUri"],
                "properties": {
                  "id": { "type": "string" }, "status": { "$ref": "#/components/schemas/JobStatus" }, "progress": { "type": "integer" },
                  "model": { "type": "string" }, "seconds": { "type": "string" }, "size": { "type": "string" },
                  "estimatedCostUsd": { "type": "number" }, "createdAt": { "type": "string", "format": "date-time" },
                  "providerVideoId": { "type": "string", "description": "The provider's video, when the submission created it (Pipeline:CreateOnSubmit)." },
                  "statusUri": { "type": "string", "format": "uri" }, "contentUri": { "type": "string", "format": "uri" },
                  "statusQueryGetUri": { "type": "string", "format": "uri" }, "sendEventPostUri": { "type": "string" },
                  "terminatePostUri": { "type": "string" }, "purgeHistoryDeleteUri": { "type": "string" },
                  "suspendPostUri": { "type": "string" }, "resumePostUri": { "type": "string" }
                }
              },
              "JobStatus": { "type": "string", "enum": ["queued", "in_progress", "storing", "completed", "failed", "canceled"] },
              "Job": {
                "type": "object", "required": ["id", "status"],
                "properties": {
                  "id": { "type": "string" }, "status": { "$ref": "#/components/schemas/JobStatus" },
                  "progress": { "type": "integer", "minimum": 0, "maximum": 100 }, "queuePosition": { "type": "integer" },
                  "prompt": { "type": "string" }, "model": { "type": "string" }, "seconds": { "type": "string" }, "size": { "type": "string" },
                  "estimatedCostUsd": { "type": "number" }, "caller": { "type": "string" },
                  "providerVideoId": { "type": "string" }, "checks": { "type": "integer" },
                  "createdAt": { "type": "string", "format": "date-time" }, "lastUpdatedAt": { "type": "string", "format": "date-time" },
                  "nextCheckAt": { "type": "string", "format": "date-time" }, "completedAt": { "type": "string", "format": "date-time" },
                  "blob": { "type": "object", "properties": { "container": { "type": "string" }, "name": { "type": "string" }, "url": { "type": "string", "format": "uri" } } },
                  "bytes": { "type": "integer" },
                  "error": { "type": "object", "properties": { "code": { "type": "string" }, "message": { "type": "string" } } }
                }
              },
              "JobList": {
                "type": "object", "required": ["items"],
                "properties": { "items": { "type": "array", "items": { "$ref": "#/components/schemas/Job" } }, "continuationToken": { "type": ["string", "null"] } }
              },
              "CatalogPage": { "type": "object", "properties": { "items": { "type": "array", "items": { "type": "object" } }, "continuationToken": { "type": ["string", "null"] } } },
              "UsageTotals": { "type": "object", "properties": { "videos": { "type": "integer" }, "seconds": { "type": "integer" }, "costUsd": { "type": "number" } } },
              "Usage": {
                "type": "object",
                "properties": {
                  "caller": { "type": "string" }, "day": { "type": "string", "format": "date" },
                  "today": { "$ref": "#/components/schemas/UsageTotals" }, "month": { "$ref": "#/components/schemas/UsageTotals" },
                  "callers": { "type": "array", "items": { "type": "object", "properties": { "caller": { "type": "string" }, "today": { "$ref": "#/components/schemas/UsageTotals" }, "month": { "$ref": "#/components/schemas/UsageTotals" } } } },
                  "callerDailyUsd": { "type": ["number", "null"] }, "dailyUsd": { "type": ["number", "null"] }
                }
              },
              "Models": {
                "type": "object",
                "properties": {
                  "provider": { "type": "string" }, "defaultModel": { "type": "string" }, "defaultSeconds": { "type": "string" }, "defaultSize": { "type": "string" },
                  "maxPromptLength": { "type": "integer" },
                  "models": { "type": "array", "items": { "type": "object", "properties": {
                    "name": { "type": "string" }, "sizes": { "type": "array", "items": { "type": "string" } }, "seconds": { "type": "array", "items": { "type": "string" } },
                    "usdPerSecond": { "type": "object", "additionalProperties": { "type": "number" } } } } },
                  "capabilities": { "type": "object", "properties": {
                    "batches": { "type": "boolean" }, "imageInput": { "type": "boolean" }, "remix": { "type": "boolean" }, "renditions": { "type": "boolean" }, "webhooks": { "type": "boolean" } } }
                }
              },
              "Problem": {
                "type": "object",
                "properties": { "type": { "type": "string" }, "title": { "type": "string" }, "status": { "type": "integer" }, "detail": { "type": "string" }, "instance": { "type": "string" } }
              },
              "ValidationProblem": {
                "allOf": [ { "$ref": "#/components/schemas/Problem" } ],
                "properties": { "errors": { "type": "object", "additionalProperties": { "type": "array", "items": { "type": "string" } }, "description": "Messages per field, e.g. prompt, model, seconds, size, id, body." } }
              },
              "BudgetProblem": {
                "allOf": [ { "$ref": "#/components/schemas/Problem" } ],
                "properties": { "budget": { "type": "string" }, "limitUsd": { "type": "number" }, "spentUsd": { "type": "number" }, "retryAfterSeconds": { "type": "integer" } }
              }
            }
          }
        }
        """;
}
