package checks

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/cairn-sd/cairn/catalog"
	"github.com/stretchr/testify/require"
)

func TestStartReplacesCheckOfSameID(t *testing.T) {
	failing := newFixedServer(t, 500, "")
	healthy := newFixedServer(t, 200, "")
	r, rec := newTestRunner(t)
	require.NoError(t, r.Start(Definition{ID: "web", HTTP: failing.URL, Interval: testInterval}))
	rec.waitStatus(t, "web", catalog.HealthCritical)

	require.NoError(t, r.Start(Definition{ID: "web", HTTP: healthy.URL, Interval: testInterval}))
	rec.waitStatus(t, "web", catalog.HealthPassing)
	// Let the new run settle, then watch it run five more times: the old
	// server must see no request meanwhile.
	require.Eventually(t, func() bool { return healthy.served() >= 3 }, waitMax, waitTick)
	oldHits, newHits := failing.served(), healthy.served()
	require.Eventually(t, func() bool { return healthy.served() >= newHits+5 }, waitMax, waitTick)
	require.Equal(t, oldHits, failing.served(), "the replaced check still runs")
	last, _ := rec.last("web")
	require.Equal(t, catalog.HealthPassing, last.status)
}

func TestInvalidStartLeavesRunningCheckAlone(t *testing.T) {
	srv := newFixedServer(t, 200, "")
	r, rec := newTestRunner(t)
	require.NoError(t, r.Start(Definition{ID: "web", HTTP: srv.URL, Interval: testInterval}))
	rec.waitCount(t, "web", 1)
	require.ErrorIs(t, r.Start(Definition{ID: "web", Interval: testInterval}), ErrInvalidDefinition)
	n := rec.count("web")
	rec.waitCount(t, "web", n+3)
}

func TestStopEndsNotificationsOfThatCheckOnly(t *testing.T) {
	srv := newFixedServer(t, 200, "")
	r, rec := newTestRunner(t)
	require.NoError(t, r.Start(Definition{ID: "stopped", HTTP: srv.URL, Interval: testInterval}))
	require.NoError(t, r.Start(Definition{ID: "kept", TCP: listen(t), Interval: testInterval}))
	rec.waitCount(t, "stopped", 2)
	rec.waitCount(t, "kept", 2)

	r.Stop("stopped")
	r.Stop("never-started")
	atStop := rec.count("stopped")
	// "kept" running five more times shows time passed; meanwhile
	// "stopped" gets at most the one result that may already have been
	// on its way.
	rec.waitCount(t, "kept", rec.count("kept")+5)
	require.LessOrEqual(t, rec.count("stopped"), atStop+1)
}

func TestStopAllWaitsForGoroutinesAndSilencesEveryCheck(t *testing.T) {
	entered, cancelled := make(chan struct{}), make(chan struct{})
	var enteredOnce, cancelledOnce sync.Once
	stuck := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, req *http.Request) {
		enteredOnce.Do(func() { close(entered) })
		<-req.Context().Done()
		cancelledOnce.Do(func() { close(cancelled) })
	}))
	t.Cleanup(stuck.Close)
	healthy := newFixedServer(t, 200, "")
	r, rec := newTestRunner(t)
	ids := []string{"http", "tcp"}
	require.NoError(t, r.Start(Definition{ID: "http", HTTP: healthy.URL, Interval: testInterval}))
	require.NoError(t, r.Start(Definition{ID: "tcp", TCP: listen(t), Interval: testInterval}))
	// A request that would hang for an hour: StopAll must cancel it.
	require.NoError(t, r.Start(Definition{ID: "stuck", HTTP: stuck.URL, Interval: testInterval, Timeout: time.Hour}))
	for _, id := range ids {
		rec.waitCount(t, id, 2)
	}
	requireClosed(t, entered, "the stuck check never sent its request")

	stopped := make(chan struct{})
	go func() {
		r.StopAll()
		close(stopped)
	}()
	requireClosed(t, stopped, "StopAll did not return")
	requireClosed(t, cancelled, "the in-flight request was not cancelled")

	counts := map[string]int{}
	for _, id := range append(ids, "stuck") {
		counts[id] = rec.count(id)
	}
	require.Zero(t, counts["stuck"], "a cancelled run must not report")
	// The Runner stays usable; a new check running five times shows time
	// passed, and no check stopped by StopAll reported meanwhile.
	require.NoError(t, r.Start(Definition{ID: "after", TCP: listen(t), Interval: testInterval}))
	rec.waitCount(t, "after", 5)
	for id, n := range counts {
		require.Equal(t, n, rec.count(id), "check %q reported after StopAll", id)
	}
}

func TestRandomStaggerStaysWithinInterval(t *testing.T) {
	const interval = 10 * time.Millisecond
	var seenLow, seenHigh bool
	for range 10000 {
		d := randomStagger(interval)
		require.GreaterOrEqual(t, d, time.Duration(0))
		require.Less(t, d, interval)
		seenLow = seenLow || d < interval/4
		seenHigh = seenHigh || d >= 3*interval/4
	}
	require.True(t, seenLow && seenHigh, "the stagger does not spread over the interval")
}

func TestNewRunnerWithoutNotifyPanics(t *testing.T) {
	require.Panics(t, func() { NewRunner(nil, nil) })
}
