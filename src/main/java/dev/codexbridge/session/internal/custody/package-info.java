/**
 * Who holds the conversation and where it is, when a store is configured: {@code ThreadCustody}
 * and its steps ({@code CustodySteps}, {@code AwakeOn}, {@code SleptOn}, {@code AppendedTurn},
 * {@code LeftCopies}, {@code UnloadWait}), the lease ({@code HeldLease}), the lineage's moves
 * ({@code LineageMoves}, {@code ThreadLineageMoves}) and the store's tries
 * ({@code TurnStoreTries}, {@code StoredRecordChecks}, {@code TurnNotKeptException}).
 *
 * <p>It may use the rooms below it ({@code internal.stream}, {@code internal.failure}),
 * {@code session.internal}, the session API's values and the layers below the session; never a
 * room above it (the let-go after a sleep, which needs the thread's link, is
 * {@code internal.thread}'s {@code CustodyLetGo}) nor the session's face.
 */
@NullMarked
package dev.codexbridge.session.internal.custody;

import org.jspecify.annotations.NullMarked;
