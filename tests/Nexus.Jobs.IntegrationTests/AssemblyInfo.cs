// Test classes run in parallel; each test makes its own workspace on the shared database, and the few that need
// the workers or Hangfire's tables to themselves get a database of their own.
[assembly: CollectionBehavior(MaxParallelThreads = 4)]
