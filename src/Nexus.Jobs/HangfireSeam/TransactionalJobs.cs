using System.Globalization;
using System.Transactions;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;

namespace Nexus.Jobs.HangfireSeam;

/// <summary>
/// The one place the platform creates Hangfire jobs together with rows of its own (ADR 0002): inside an ambient
/// read-committed <see cref="TransactionScope"/> that the Hangfire storage joins (<c>EnableTransactionScopeEnlistment</c>)
/// on the same backend, so the rows and the jobs commit, or vanish, together.
/// </summary>
/// <remarks>Close every connection of the scope before each <see cref="Create"/>: two open at once would promote the
/// transaction to a distributed one.</remarks>
public static class TransactionalJobs
{
    /// <summary>How long the platform's rows and jobs may take to commit together.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>A new transaction for rows and jobs that commit together; complete it, then dispose it.</summary>
    public static TransactionScope Begin() => new(TransactionScopeOption.Required,
        new TransactionOptions { IsolationLevel = IsolationLevel.ReadCommitted, Timeout = Timeout },
        TransactionScopeAsyncFlowOption.Enabled);

    /// <summary>Creates <paramref name="job"/> in <paramref name="state"/> inside the ambient transaction; returns its Hangfire id.</summary>
    /// <exception cref="InvalidOperationException">There is no ambient transaction: the job would commit alone.</exception>
    public static long Create(IBackgroundJobClient client, Job job, IState state)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (Transaction.Current is null)
        {
            throw new InvalidOperationException("A platform job is created inside TransactionalJobs.Begin(), or it could commit without its rows.");
        }
        return long.Parse(client.Create(job, state), CultureInfo.InvariantCulture);
    }
}
