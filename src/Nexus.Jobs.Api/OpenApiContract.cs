using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc.Controllers;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Nexus.Jobs.Api;

/// <summary>
/// Makes the generated OpenAPI document say exactly what the wire does, so that linters pass it and generated clients are
/// strongly typed (docs/api-contract.md): typed parameters, closed sets as enums, JSON media types only, problem details
/// with their extension members, one server relative to the host that serves the document.
/// </summary>
internal static class OpenApiContract
{
    /// <summary>What a response body can be; the formatters would also advertise text/plain and text/json, which no client should pick.</summary>
    private static readonly HashSet<string> MediaTypes = ["application/json", Errors.Problems.ContentType, Events.EventStreamResult.ContentType];

    private static readonly Dictionary<string, string> Tags = new()
    {
        ["AiJobs"] = "AI jobs (seed 002): dispatch into priority queues, status, list, cancel, batches, their callbacks and event streams.",
        ["Compounding"] = "Compounding intelligence (seed 000): trigger a pipeline, read and list runs, and read what the pipelines produced.",
        ["Insights"] = "The insights compounding works on: ingest (with reinforcement of the same fact) and read.",
        ["Catalog"] = "The workspace's commerce data the AI jobs work on: products, daily sales, competitor offers, reviews, returns.",
        ["Callbacks"] = "The workspace's callback signing secret.",
    };

    private static readonly (string Type, string Property, ValueSet Set)[] EngineValueSets =
        [("PatternView", "status", ValueSet.PatternStatus), ("PlaybookView", "status", ValueSet.PlaybookStatus)];

    public static Task ApplyToDocument(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken ct)
    {
        // The repository grants no licence; an SPDX LicenseRef says so in the form linters and generators read.
        document.Info.License = new OpenApiLicense { Name = "Proprietary", Identifier = "LicenseRef-Proprietary" };
        // Relative to the host that served the document: the same document is right on every host, and never names localhost.
        document.Servers = [new OpenApiServer { Url = "/", Description = "The host that serves this document" }];
        foreach (var tag in document.Tags ?? Enumerable.Empty<OpenApiTag>())
        {
            tag.Description ??= Tags.GetValueOrDefault(tag.Name ?? "");
        }

        foreach (var operation in (document.Paths ?? []).Values.SelectMany(p => p.Operations?.Values ?? Enumerable.Empty<OpenApiOperation>()))
        {
            foreach (var response in (operation.Responses ?? []).Values.OfType<OpenApiResponse>())
            {
                foreach (var mediaType in response.Content?.Keys.Where(k => !MediaTypes.Contains(k)).ToList() ?? [])
                {
                    response.Content!.Remove(mediaType);
                }
            }
        }

        var schemas = document.Components?.Schemas ?? new Dictionary<string, IOpenApiSchema>();
        foreach (var (name, schema) in schemas)
        {
            if (schema is not OpenApiSchema concrete || concrete.Properties is null)
            {
                continue;
            }
            foreach (var (property, value) in concrete.Properties.ToList())
            {
                if (value is OpenApiSchema { OneOf: [var first, var second] } && IsNull(first) && second is OpenApiSchemaReference target)
                {
                    // The envelope's data is never null; a JsonElement already admits null, and "null or anything" matches
                    // null twice, which oneOf forbids.
                    if (name.StartsWith("EnvelopeOf", StringComparison.Ordinal) && property == "data" || target.Reference.Id == "JsonElement")
                    {
                        concrete.Properties[property] = target;
                    }
                }
            }
        }

        if (schemas.TryGetValue("RunDto", out var run) && run is OpenApiSchema { Properties: { } runProperties })
        {
            // A JsonElement on the record (RunErrors.Details writes it), but always this shape: say so, so clients get a type.
            schemas["RunErrorDetails"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "Why a compounding run failed.",
                Required = new HashSet<string> { "code", "message", "exception_type", "attempt" },
                Properties = new Dictionary<string, IOpenApiSchema>
                {
                    ["code"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "PIPELINE_ERROR, RUN_LOST or the pipeline's own code." },
                    ["message"] = new OpenApiSchema { Type = JsonSchemaType.String },
                    ["exception_type"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
                    ["attempt"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" },
                },
            };
            runProperties["error_details"] = new OpenApiSchema
            {
                OneOf = [new OpenApiSchema { Type = JsonSchemaType.Null }, new OpenApiSchemaReference("RunErrorDetails", document)],
                Description = "Null unless the run failed.",
            };
        }

        // Records of the engine the API answers as they are: Nexus.Jobs knows nothing of the document, so no attribute there.
        foreach (var (type, property, set) in EngineValueSets)
        {
            if (schemas.TryGetValue(type, out var engine) && engine is OpenApiSchema { Properties: { } properties } && properties.TryGetValue(property, out var plain))
            {
                var typed = Enum(set, nullable: false);
                typed.Description = plain.Description;
                properties[property] = typed;
            }
        }
        NameValueSets(document, schemas);

        foreach (var problem in new[] { "ProblemDetails", "ValidationProblemDetails" })
        {
            if (schemas.TryGetValue(problem, out var schema) && schema is OpenApiSchema concrete)
            {
                AddProblemMembers(concrete);
            }
        }
        return Task.CompletedTask;
    }

    /// <summary>Types parameters that actions read as raw text (so they can answer the contract's exact 422) by their attributes.</summary>
    public static Task ApplyToOperation(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        if (context.Description.ActionDescriptor is ControllerActionDescriptor { ControllerTypeInfo: var controller, ActionName: var action }
            && controller.AsType() == typeof(Catalog.CatalogController) && Catalog.CatalogController.RowsOf(action) is var (member, row, schema))
        {
            // The upserts read their body by hand (one spec per kind of row); without this a generated client could not send one.
            var document = context.Document!;
            if (document.Components?.Schemas?.ContainsKey(row) != true)
            {
                document.AddComponent(row, schema);
            }
            document.AddComponent($"{row}Rows", new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Required = new HashSet<string> { member },
                Properties = new Dictionary<string, IOpenApiSchema>
                {
                    [member] = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Array, MinItems = 1, MaxItems = Jobs.Catalog.CatalogStore.MaxBatch, Items = new OpenApiSchemaReference(row, document),
                    },
                },
            });
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/json"] = new() { Schema = new OpenApiSchemaReference($"{row}Rows", document) },
                },
            };
        }

        foreach (var description in context.Description.ParameterDescriptions)
        {
            if (description.ParameterDescriptor is not ControllerParameterDescriptor { ParameterInfo: var info })
            {
                continue;
            }
            var parameter = operation.Parameters?.OfType<OpenApiParameter>().FirstOrDefault(p => p.Name == description.Name);
            if (parameter is null)
            {
                continue;
            }
            if (info.GetCustomAttribute<OneOfAttribute>() is { } oneOf)
            {
                parameter.Schema = Enum(oneOf.Set, nullable: false);
            }
            else if (info.GetCustomAttribute<IntegerAttribute>() is { } integer)
            {
                parameter.Schema = new OpenApiSchema
                {
                    Type = JsonSchemaType.Integer,
                    Format = "int32",
                    Minimum = integer.Minimum.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    Maximum = integer.Maximum.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    Default = integer.Default >= 0 ? JsonValue.Create(integer.Default) : null,
                };
            }
            else if (info.GetCustomAttribute<FormatAttribute>() is { } format)
            {
                parameter.Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = format.Format };
                parameter.Description ??= format.Format switch
                {
                    "date" => "A date (2026-03-12: the whole day, bounds inclusive); an ISO 8601 date-time with offset (2026-03-12T14:32:01Z) also works.",
                    "date-time" => "An ISO 8601 date-time with offset (2026-03-12T14:32:01Z); a date (2026-03-12) also works and covers the whole day.",
                    _ => null,
                };
            }
        }
        return Task.CompletedTask;
    }

    /// <summary>Closed sets as enums, and members the serializer leaves out when null as optional.</summary>
    public static Task ApplyToSchema(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken ct)
    {
        if (context.JsonPropertyInfo is { AttributeProvider: { } provider })
        {
            if (provider.GetCustomAttributes(typeof(OneOfAttribute), inherit: false).OfType<OneOfAttribute>().FirstOrDefault() is { } oneOf)
            {
                var nullable = schema.Type?.HasFlag(JsonSchemaType.Null) == true;
                var typed = Enum(oneOf.Set, nullable);
                schema.Type = typed.Type;
                schema.Enum = typed.Enum;
                schema.Default = oneOf.Default is null ? null : JsonValue.Create(oneOf.Default);
            }
        }
        else if (context.JsonTypeInfo.Kind == System.Text.Json.Serialization.Metadata.JsonTypeInfoKind.Object && schema.Required is { Count: > 0 } required)
        {
            foreach (var member in context.JsonTypeInfo.Properties)
            {
                if (member.AttributeProvider?.GetCustomAttributes(typeof(JsonIgnoreAttribute), inherit: false).OfType<JsonIgnoreAttribute>()
                    .Any(a => a.Condition is JsonIgnoreCondition.WhenWritingNull or JsonIgnoreCondition.WhenWritingDefault) == true)
                {
                    required.Remove(member.Name);
                }
            }
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// Moves every closed set to one named component (JobType, JobStatus, Priority, ...), so generated clients have one
    /// <c>Priority</c> type instead of an enum per property and parameter.
    /// </summary>
    private static void NameValueSets(OpenApiDocument document, IDictionary<string, IOpenApiSchema> schemas)
    {
        var sets = System.Enum.GetValues<ValueSet>().ToDictionary(set => set, set => OneOfAttribute.Values(set));
        IOpenApiSchema Named(OpenApiSchema inline)
        {
            var values = inline.Enum!.Where(v => v is not null).Select(v => v!.GetValue<string>()).ToList();
            var set = sets.Single(s => s.Value.SequenceEqual(values)).Key;
            var name = set.ToString();
            if (!schemas.ContainsKey(name))
            {
                schemas[name] = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Enum = values.Select(v => (JsonNode)JsonValue.Create(v)).ToList(),
                    Description = Descriptions[set],
                };
            }
            // A description on the property says what the value means there; the component says what the set is.
            return new OpenApiSchemaReference(name, document) { Description = inline.Description, Default = inline.Default };
        }

        void Walk(OpenApiSchema schema)
        {
            foreach (var (property, value) in schema.Properties?.ToList() ?? [])
            {
                if (value is OpenApiSchema { Enum.Count: > 0 } inline)
                {
                    schema.Properties![property] = Named(inline);
                }
                else if (value is OpenApiSchema nested)
                {
                    Walk(nested);
                }
            }
            if (schema.Items is OpenApiSchema { Enum.Count: > 0 } items)
            {
                schema.Items = Named(items);
            }
            else if (schema.Items is OpenApiSchema nestedItems)
            {
                Walk(nestedItems);
            }
        }

        foreach (var schema in schemas.Values.OfType<OpenApiSchema>().ToList())
        {
            Walk(schema);
        }
        foreach (var operation in (document.Paths ?? []).Values.SelectMany(p => p.Operations?.Values ?? Enumerable.Empty<OpenApiOperation>()))
        {
            foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
            {
                if (parameter.Schema is OpenApiSchema { Enum.Count: > 0 } inline)
                {
                    parameter.Schema = Named(inline);
                }
            }
        }
    }

    private static readonly Dictionary<ValueSet, string> Descriptions = new()
    {
        [ValueSet.JobType] = "An AI job type.",
        [ValueSet.JobStatus] = "A job's status (a batch's overall status takes the same values).",
        [ValueSet.Priority] = "A job's priority: high before normal before low, always.",
        [ValueSet.CompoundingJobType] = "A compounding pipeline.",
        [ValueSet.RunStatus] = "A compounding run's status.",
        [ValueSet.RunTrigger] = "What started a compounding run: the API or the schedule.",
        [ValueSet.PatternStatus] = "A pattern's status.",
        [ValueSet.PlaybookStatus] = "A playbook rule's status.",
        [ValueSet.CatalogKind] = "A kind of commerce data.",
        [ValueSet.InsightStatus] = "An insight's status.",
        [ValueSet.DeliveryStatus] = "A callback delivery's status.",
        [ValueSet.CallbackEvent] = "A callback's event (also its X-Nexus-Event header).",
        [ValueSet.Marketplace] = "A marketplace the platform knows.",
    };

    private static OpenApiSchema Enum(ValueSet set, bool nullable)
    {
        var values = OneOfAttribute.Values(set).Select(v => (JsonNode)JsonValue.Create(v)).ToList();
        if (nullable)
        {
            values.Add(null!);
        }
        return new OpenApiSchema { Type = nullable ? JsonSchemaType.String | JsonSchemaType.Null : JsonSchemaType.String, Enum = values };
    }

    private static bool IsNull(IOpenApiSchema schema) => schema is OpenApiSchema { Type: JsonSchemaType.Null };

    // Every problem this API writes carries code and trace_id (Errors/Problems.Create); validation problems add errors.
    private static void AddProblemMembers(OpenApiSchema schema)
    {
        schema.Properties ??= new Dictionary<string, IOpenApiSchema>();
        schema.Properties["code"] = new OpenApiSchema
        {
            Type = JsonSchemaType.String,
            Description = "The machine code: JOB_NOT_FOUND, INVALID_JOB_TYPE, QUEUE_FULL, INSUFFICIENT_SCOPE, JOB_NOT_CANCELLABLE, UNAUTHENTICATED, TENANT_MISMATCH, VALIDATION_FAILED, MALFORMED_REQUEST, BATCH_TOO_LARGE, PAYLOAD_TOO_LARGE, IDEMPOTENCY_CONFLICT, IDEMPOTENCY_IN_FLIGHT, SERVICE_UNAVAILABLE or RATE_LIMITED.",
        };
        schema.Properties["trace_id"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The request's trace identifier, for support and the logs." };
        schema.Properties["errors"] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "Validation errors: field (or query parameter) -> messages.",
            AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
        };
        schema.Required = new HashSet<string> { "status", "title", "code", "trace_id" };
        schema.Description = "RFC 9457 problem details with the API's machine code.";
    }
}
