using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NJsonSchema.CodeGeneration.CSharp;
using NSwag.CodeGeneration.CSharp;
using NSwag.CodeGeneration.OperationNameGenerators;

namespace Nexus.Jobs.IntegrationTests.Infrastructure;

/// <summary>A C# client generated with NSwag from an OpenAPI document and compiled in memory with Roslyn, as a client developer would.</summary>
public static class GeneratedClient
{
    /// <summary>The namespace of the generated client.</summary>
    public const string Namespace = "Nexus.Jobs.Generated";

    /// <summary>NSwag's C# client for the document: one class, methods named by operationId, the HttpClient's base address.</summary>
    /// <remarks>
    /// Newtonsoft.Json, NSwag's default: its System.Text.Json output writes enums with <c>JsonStringEnumConverter</c>, which
    /// ignores the <c>[EnumMember]</c> wire names and would send <c>"Normal"</c> for <c>normal</c>.
    /// </remarks>
    public static async Task<string> GenerateAsync(string documentJson)
    {
        var document = await NSwag.OpenApiDocument.FromJsonAsync(documentJson);
        var settings = new CSharpClientGeneratorSettings
        {
            ClassName = "NexusJobsApi",
            UseBaseUrl = false,
            GenerateOptionalParameters = true,
            OperationNameGenerator = new SingleClientFromOperationIdOperationNameGenerator(),
            // NSwag's default ("s") drops the offset, which the API requires of a date-time ("2026-03-12T14:32:01" is a 422).
            ParameterDateTimeFormat = "o",
            CSharpGeneratorSettings = { Namespace = Namespace, JsonLibrary = CSharpJsonLibrary.NewtonsoftJson },
        };
        return new CSharpClientGenerator(document, settings).GenerateFile();
    }

    /// <summary>The embedded walk-through source (GeneratedClient/Walkthrough.cs), which is written against the generated client.</summary>
    public static string Walkthrough()
    {
        using var stream = typeof(GeneratedClient).Assembly.GetManifestResourceStream("Walkthrough.cs")
            ?? throw new InvalidOperationException("The Walkthrough.cs resource is missing from the test assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Compiles the sources against everything the tests load; the errors when it does not compile.</summary>
    public static (Assembly? Assembly, IReadOnlyList<Diagnostic> Errors) Compile(params (string Path, string Source)[] sources)
    {
        var compilation = CSharpCompilation.Create(
            $"Nexus.Jobs.Generated.{Guid.NewGuid():N}",
            sources.Select(s => CSharpSyntaxTree.ParseText(s.Source, new CSharpParseOptions(LanguageVersion.Latest), s.Path)),
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        using var image = new MemoryStream();
        var result = compilation.Emit(image);
        var errors = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (!result.Success)
        {
            return (null, errors);
        }
        image.Position = 0;
        // A collectible context of its own: every test run compiles a fresh client, none of which need stay loaded.
        var context = new AssemblyLoadContext(compilation.AssemblyName, isCollectible: true);
        return (context.LoadFromStream(image), errors);
    }

    // The framework and every package the test host loads (NSwag's generated code needs System.Text.Json and System.ComponentModel
    // annotations; the walk-through uses Shouldly and this assembly's helpers), skipping native libraries.
    private static readonly Lazy<IReadOnlyList<MetadataReference>> References = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Append(typeof(GeneratedClient).Assembly.Location)
            .Where(path => path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) && IsManaged(path))
            .Distinct(StringComparer.Ordinal)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToList());

    private static bool IsManaged(string path)
    {
        try
        {
            using var file = File.OpenRead(path);
            using var pe = new PEReader(file);
            return pe.HasMetadata && pe.GetMetadataReader().IsAssembly;
        }
        catch (BadImageFormatException)
        {
            return false;
        }
    }
}
