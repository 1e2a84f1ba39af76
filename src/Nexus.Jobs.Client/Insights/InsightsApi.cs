using System.Runtime.CompilerServices;

namespace Nexus.Jobs.Client;

/// <summary>Insights, what compounding works on: ingest and read.</summary>
public sealed class InsightsApi
{
    private readonly NexusHttp _http;

    internal InsightsApi(NexusHttp http) => _http = http;

    /// <summary><c>POST /v1/insights</c>: store 1 to 1,000 insights; one stating a fact already stored reinforces it instead (scope <c>insight.write</c>).</summary>
    /// <exception cref="NexusApiException">422 <c>VALIDATION_FAILED</c> with fields such as <c>insights[0].content</c>.</exception>
    public Task<IngestResult> IngestAsync(IReadOnlyList<NewInsight> insights, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(insights);
        return _http.PostAsync("v1/insights", new IngestRequest(insights), NexusJson.Default.IngestRequest, NexusJson.Default.IngestResult,
            idempotencyKey, cancellationToken);
    }

    /// <summary><c>GET /v1/insights</c>: one page of insights, newest first (scope <c>insight.read</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="InsightQuery.Last"/> is not a whole number of minutes.</exception>
    public Task<InsightPage> ListAsync(InsightQuery? query = null, CancellationToken cancellationToken = default) =>
        _http.GetAsync(ListPath(query ?? new InsightQuery()), NexusJson.Default.InsightPage, cancellationToken);

    /// <summary>Every insight matching <paramref name="query"/>, newest first, reading page after page as the caller goes.</summary>
    public async IAsyncEnumerable<Insight> EnumerateAsync(InsightQuery? query = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var next = query ?? new InsightQuery();
        while (true)
        {
            var page = await ListAsync(next, cancellationToken).ConfigureAwait(false);
            foreach (var insight in page.Data)
            {
                yield return insight;
            }
            if (page.NextCursor is null)
            {
                yield break;
            }
            next = next with { Cursor = page.NextCursor };
        }
    }

    internal static string ListPath(InsightQuery query) => new QueryBuilder("v1/insights")
        .Add("last", query.Last is { } last ? QueryBuilder.Lookback(last) : null)
        .Add("from", query.From)
        .Add("to", query.To)
        .Add("limit", query.Limit)
        .Add("cursor", query.Cursor)
        .ToString();
}
