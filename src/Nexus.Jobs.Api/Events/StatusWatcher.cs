using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Nexus.Jobs.Api.Callbacks;
using Nexus.Jobs.Callbacks;
using Nexus.Jobs.Platform;
using Npgsql;

namespace Nexus.Jobs.Api.Events;

/// <summary><c>Nexus:Events</c>: the status event streams.</summary>
public sealed class EventStreamOptions
{
    public const string Section = "Nexus:Events";

    /// <summary>How often the watcher reads the status of everything being watched (one query for all of it).</summary>
    [Range(typeof(TimeSpan), "00:00:00.05", "00:00:10")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>A comment line is sent after this long without an event, so proxies and clients see the stream is alive.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(15);
}

/// <summary>What a stream watches.</summary>
public enum WatchKind
{
    Job,
    Batch,
    Run,
}

/// <summary>
/// One per process: every <c>Nexus:Events:PollInterval</c> it reads the status of all watched jobs, batches and runs in one
/// round trip and hands each change to the streams watching that subject. Status changes happen in worker processes, so
/// they are read from the database, not awaited in memory; the cost is one query per interval while anything is watched
/// (growing with the number of watched subjects, not with the number of jobs), and nothing when nothing is.
/// </summary>
public sealed class StatusWatcher(StatusSnapshotReader reader, Representations representations, IOptions<EventStreamOptions> options, ILogger<StatusWatcher> logger)
    : BackgroundService
{
    private static readonly Histogram<double> PollDuration = NexusTelemetry.Meter.CreateHistogram<double>(
        "nexus.events.poll_duration", "ms", "One status poll of every watched subject");

    private readonly Dictionary<(WatchKind Kind, string Id), Subject> _subjects = [];
    private readonly Lock _gate = new();

    /// <summary>Subjects watched now (each read once per poll, however many streams watch it).</summary>
    public int WatchedSubjects
    {
        get
        {
            lock (_gate)
            {
                return _subjects.Count;
            }
        }
    }

    /// <summary>Open subscriptions to <paramref name="id"/> (0 once every stream watching it has gone).</summary>
    public int SubscribersOf(string id)
    {
        lock (_gate)
        {
            return _subjects.Where(s => s.Key.Id == id).Sum(s => s.Value.Subscribers.Count);
        }
    }

    /// <summary>Starts watching a subject the caller may see. The latest payload known for it, if any, is handed over at once.</summary>
    public Subscription Watch(WatchKind kind, string id)
    {
        // Only the latest status matters: a slow stream skips to it rather than queueing old ones.
        var channel = Channel.CreateBounded<CallbackPayload>(new BoundedChannelOptions(4) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        var subscription = new Subscription(this, (kind, id), channel);
        lock (_gate)
        {
            if (!_subjects.TryGetValue((kind, id), out var subject))
            {
                _subjects[(kind, id)] = subject = new Subject();
            }
            subject.Subscribers.Add(subscription);
            if (subject.Last is { } last)
            {
                channel.Writer.TryWrite(last);
            }
        }
        return subscription;
    }

    internal void Unwatch(Subscription subscription)
    {
        lock (_gate)
        {
            if (_subjects.TryGetValue(subscription.Key, out var subject) && subject.Subscribers.Remove(subscription) && subject.Subscribers.Count == 0)
            {
                _subjects.Remove(subscription.Key);
            }
        }
        subscription.Channel.Writer.TryComplete();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PollInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await PollAsync(stoppingToken);
                }
                catch (Exception e) when (e is NpgsqlException or TimeoutException)
                {
                    // The database is away: streams keep their heartbeats and catch up on the next poll that works.
                    logger.LogDebug(e, "Status poll failed; retrying in {Interval}", options.Value.PollInterval);
                }
            }
        }
        finally
        {
            lock (_gate)
            {
                foreach (var subscription in _subjects.Values.SelectMany(s => s.Subscribers))
                {
                    subscription.Channel.Writer.TryComplete();
                }
            }
        }
    }

    /// <summary>One poll: read every watched subject, publish those whose payload changed.</summary>
    public async Task PollAsync(CancellationToken ct)
    {
        (WatchKind Kind, string Id)[] keys;
        lock (_gate)
        {
            keys = [.. _subjects.Keys];
        }
        if (keys.Length == 0)
        {
            return;
        }
        var started = Stopwatch.GetTimestamp();
        var snapshot = await reader.ReadAsync(
            keys.Where(k => k.Kind == WatchKind.Job).Select(k => k.Id).ToArray(),
            keys.Where(k => k.Kind == WatchKind.Batch).Select(k => k.Id).ToArray(),
            keys.Where(k => k.Kind == WatchKind.Run).Select(k => Guid.Parse(k.Id)).ToArray(), ct);
        var payloads = snapshot.Jobs.Select(j => ((WatchKind.Job, j.Id), representations.Job(j)))
            .Concat(snapshot.Batches.Select(b => ((WatchKind.Batch, b.Id), representations.Batch(b))))
            .Concat(snapshot.Runs.Select(r => ((WatchKind.Run, r.Id.ToString("D")), representations.Run(r))));
        lock (_gate)
        {
            foreach (var (key, payload) in payloads)
            {
                if (_subjects.TryGetValue(key, out var subject) && subject.Last?.Json != payload.Json)
                {
                    subject.Last = payload;
                    foreach (var subscription in subject.Subscribers)
                    {
                        subscription.Channel.Writer.TryWrite(payload);
                    }
                }
            }
        }
        PollDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, new KeyValuePair<string, object?>("subjects", Bucket(keys.Length)));
    }

    // Coarse buckets keep the tag's cardinality small.
    private static string Bucket(int n) => n switch { <= 10 => "1-10", <= 100 => "11-100", <= 1000 => "101-1000", _ => ">1000" };

    private sealed class Subject
    {
        public List<Subscription> Subscribers { get; } = [];

        public CallbackPayload? Last { get; set; }
    }
}

/// <summary>A stream's interest in one subject; disposing it stops the watching (when it was the last).</summary>
public sealed class Subscription : IDisposable
{
    private readonly StatusWatcher _watcher;
    private int _disposed;

    internal Subscription(StatusWatcher watcher, (WatchKind, string) key, Channel<CallbackPayload> channel)
    {
        _watcher = watcher;
        Key = key;
        Channel = channel;
    }

    internal (WatchKind Kind, string Id) Key { get; }

    internal Channel<CallbackPayload> Channel { get; }

    /// <summary>Payloads as they change (the latest ones; a stream that falls behind skips to them).</summary>
    public ChannelReader<CallbackPayload> Reader => Channel.Reader;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _watcher.Unwatch(this);
        }
    }
}
