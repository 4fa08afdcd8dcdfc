//! The sign-in budgets' counters on a real DynamoDB (moto, through the AWS SDK), at each budget's
//! edge: the last unit allowed, the first refused (with the wait until its window refills), the
//! refill after the window, a unit given back, and many concurrent takes never passing the limit.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a failing check should panic with its message

use booking_auth::AuthError;
use booking_auth::aws::budgets::{BudgetStore, Taken};
use booking_auth::domain::budget::{Budget, BudgetPolicy, Source, SourceKind};
use futures_util::future::join_all;
use local_stack::{Functions, Stack, StackOptions};

/// Small limits: each edge is reached in a few calls.
const POLICY: BudgetPolicy = BudgetPolicy {
    per_source_per_hour: 4,
    codes_per_minute: 3,
    codes_per_hour: 5,
    new_users_per_hour: 2,
};
/// 10:00:00 UTC on some day: the start of a minute and of an hour.
const T0: i64 = 1_795_010_400;

fn store(stack: &Stack) -> BudgetStore {
    BudgetStore::new(
        stack.dynamodb.clone(),
        stack.table("AUTH_STATE_TABLE").unwrap().to_owned(),
        POLICY,
    )
}

/// Take `budget` until it is spent at `now`: the units it gave, and the refusal.
fn drain(stack: &Stack, store: &BudgetStore, budget: &Budget, now: i64) -> (Vec<Taken>, AuthError) {
    let mut taken = Vec::new();
    loop {
        match stack.block_on(store.take(std::slice::from_ref(budget), now)) {
            Ok(units) => taken.extend(units),
            Err(err) => return (taken, err),
        }
        assert!(
            taken.len() <= budget.limit as usize,
            "{budget:?} gave more than its limit"
        );
    }
}

#[test]
fn each_budget_at_its_edge() {
    let stack = Stack::start_with_options(StackOptions {
        functions: Functions::None,
        ..StackOptions::default()
    })
    .unwrap();
    let store = store(&stack);
    let ip = Source::new(SourceKind::Ip, "203.0.113.7").unwrap();
    let mut budgets = POLICY.for_code(Some(&ip));
    budgets.push(POLICY.new_user());
    for budget in &budgets {
        // Twenty seconds into the window: the refusal says when it refills.
        let now = T0 + 20;
        let (mut taken, refusal) = drain(&stack, &store, budget, now);
        assert_eq!(
            taken.len(),
            budget.limit as usize,
            "{budget:?}: the last allowed call"
        );
        let expected = budget.window - 20;
        assert!(
            matches!(refusal, AuthError::RateLimited { retry_after } if retry_after == expected),
            "{budget:?}: the first refused call: {refusal:?}"
        );
        // A unit given back can be taken again, once.
        stack.block_on(store.release(taken.split_off(taken.len() - 1)));
        let (again, _) = drain(&stack, &store, budget, now);
        assert_eq!(again.len(), 1, "{budget:?}: a unit given back");
        // The next window starts full.
        let next = T0 + budget.window as i64;
        let (refilled, _) = drain(&stack, &store, budget, next);
        assert_eq!(
            refilled.len(),
            budget.limit as usize,
            "{budget:?}: the refill after its window"
        );
    }
}

#[test]
fn a_refused_send_gives_back_what_it_took_and_racing_sends_never_pass_a_limit() {
    let stack = Stack::start_with_options(StackOptions {
        functions: Functions::None,
        ..StackOptions::default()
    })
    .unwrap();
    let store = store(&stack);
    let now = T0 + 5;
    let minute = POLICY.for_code(None)[0].clone();
    let hour = POLICY.for_code(None)[1].clone();

    // Spend the minute; a send then costs the hour nothing, since it is refused as a whole.
    let (spent, _) = drain(&stack, &store, &minute, now);
    assert_eq!(spent.len(), POLICY.codes_per_minute as usize);
    let both = [minute.clone(), hour.clone()];
    assert!(stack.block_on(store.take(&both, now)).is_err());
    let (hour_left, _) = drain(&stack, &store, &hour, now);
    assert_eq!(
        hour_left.len(),
        POLICY.codes_per_hour as usize,
        "the refused send held no hour unit"
    );

    // A released unit is taken again exactly once.
    let later = T0 + 3600 + 5;
    let units = stack.block_on(store.take(&both, later)).unwrap();
    stack.block_on(store.release(units));
    let (again, _) = drain(&stack, &store, &minute, later);
    assert_eq!(again.len(), POLICY.codes_per_minute as usize);

    // Thirty concurrent takes of a fresh window: exactly the limit succeed.
    let fresh = T0 + 7200;
    let outcomes = stack.block_on(join_all(
        (0..30).map(|_| store.take(std::slice::from_ref(&hour), fresh)),
    ));
    let granted = outcomes.iter().filter(|o| o.is_ok()).count();
    assert_eq!(granted, POLICY.codes_per_hour as usize);
}
