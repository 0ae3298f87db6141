package runtime

import (
	"context"
	"errors"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/cairn-sd/cairn/catalog"
)

// Parking blocking queries.
//
// A blocking query spends nearly all its life waiting. Served the plain
// way, the wait holds net/http's goroutine for the connection (its stack
// grows to 8-16 KiB under the handler) and the connection's read and write
// buffers (4 KiB each): about 22 KB per watcher, measured. A parked query
// holds only its socket, a timer and the few fields needed to read again:
// about 6 KB (BENCHMARKS.md).
//
// A query that has to wait takes its connection over from net/http
// (Hijack) and the handler's goroutine returns. The parking lot keeps, per
// watched catalog notifier, the set of queries waiting on it, and one
// goroutine per notifier (not per query) waits for it to fire. A fired
// notifier hands its queries to a small pool of workers in batches of
// identical requests (same path, parameters and token, whatever their
// ?index): a batch is read once and its answer encoded once, then written
// to every socket of the batch whose index it passes; the others park
// again. An expired deadline does the same for one query. The answer goes
// out as an HTTP/1.1 response, and the connection goes back to net/http,
// through a second http.Server whose listener hands out resumed
// connections, to serve the client's next request.
//
// Relayed requests park at both ends (relay.go). A client agent relaying
// a blocking query parks its caller's connection and starts the RPC; the
// server's answer, when it comes, is written by the workers. The server
// serves the relayed request with its handler on a recorder, and a query
// that must wait parks there as well, with no socket: its answer is sent
// back as the RPC's reply, and the client's cancel drops it.
//
// Only what can be parked is: a GET over HTTP/1.x without a body, on a
// connection net/http lets go of, or a relayed one. HTTP/2 waits the plain
// way. A parked query notices its client hanging up by a sweep that peeks
// at the parked sockets (park_hangup.go): within a second or two with up
// to 2,000 parked, within 50 seconds with 100,000, the sweep's cost being
// bounded per second.

// errParked tells the dispatcher that a blocking query took its
// connection over: nothing more may be written through the ResponseWriter.
var errParked = errors.New("blocking query parked")

// parkWorkers is how many batches of parked queries are read and answered
// at once; parkBatchMax is the most queries one batch answers, so that the
// writes of a large fan-out spread over the workers.
const (
	parkWorkers  = 8
	parkBatchMax = 256
)

// hangupSweepInterval is how often the lot checks that the clients of
// parked queries are still connected, and hangupChecksPerTick how many it
// checks each time (one system call each).
const (
	hangupSweepInterval = time.Second
	hangupChecksPerTick = 2000
)

// parked is one waiting query.
type parked struct {
	// r is the request, with the agent's lifetime instead of the
	// handler's; q is the read to repeat, nil for a relayed request.
	r *http.Request
	q *blockingRead
	// group names the request apart from its ?index and ?wait: queries of
	// one group get the same answer.
	group string
	conn  net.Conn
	timer *time.Timer
	// finish records the request's metrics with the status answered.
	finish func(code int)
	// deliver, for a request relayed by another agent, sends the answer
	// back over RPC; conn is nil then.
	deliver func(*rawResponse)
	// onDrop, if set, runs when the client is found gone (a relayed
	// query tells its server to stop).
	onDrop func()
	// chans are the notifiers this query is registered with.
	chans []<-chan struct{}
	// queued is set while pk waits for a worker; guarded by the lot's
	// mutex. A query is in the lot while it is in the lot's all set.
	queued bool
	// expired is set when the deadline passed, also while the query runs.
	expired bool
}

// parkingLot holds the parked queries of one agent.
type parkingLot struct {
	a      *Agent
	mu     sync.Mutex
	byChan map[<-chan struct{}]map[*parked]struct{}
	all    map[*parked]struct{}
	queue  []func() // work for the workers: batches to resume, relayed answers
	// relayed are the answers of relayed queries not yet written, and
	// relayGroups the relayed requests not yet answered, by key
	// (park_relay.go).
	relayed     []relayAnswer
	relayGroups map[string]*relayGroup
	ready       *sync.Cond
	closed      bool
	stop        chan struct{}
	// resumed serves connections whose parked query was answered; fresh
	// are those of its connections that have not begun a request yet.
	resumed  *http.Server
	handback *connQueue
	freshMu  sync.Mutex
	fresh    map[net.Conn]struct{}
	workers  sync.WaitGroup
}

func newParkingLot(a *Agent, base *http.Server) *parkingLot {
	p := &parkingLot{
		a:           a,
		byChan:      make(map[<-chan struct{}]map[*parked]struct{}),
		all:         make(map[*parked]struct{}),
		relayGroups: make(map[string]*relayGroup),
		stop:        make(chan struct{}),
		handback:    newConnQueue(),
		fresh:       make(map[net.Conn]struct{}),
	}
	p.ready = sync.NewCond(&p.mu)
	p.resumed = &http.Server{Handler: base.Handler, ReadHeaderTimeout: base.ReadHeaderTimeout,
		ErrorLog: base.ErrorLog, BaseContext: base.BaseContext, ConnState: p.trackFresh}
	return p
}

// trackFresh keeps the set of resumed connections that have not begun a
// request. http.Server.Shutdown waits up to 5 seconds for such a
// connection, taking it for one whose first request is on its way; a
// resumed connection is an idle keep-alive one, which shutdown closes.
func (p *parkingLot) trackFresh(c net.Conn, st http.ConnState) {
	p.freshMu.Lock()
	defer p.freshMu.Unlock()
	if st == http.StateNew {
		p.fresh[c] = struct{}{}
	} else {
		delete(p.fresh, c)
	}
}

// start runs the workers and the server of resumed connections.
func (p *parkingLot) start() {
	for range parkWorkers {
		p.workers.Add(1)
		go p.work()
	}
	p.workers.Add(2)
	go p.sweep()
	go func() {
		defer p.workers.Done()
		if err := p.resumed.Serve(p.handback); err != nil && !errors.Is(err, http.ErrServerClosed) {
			p.a.logger.Error("HTTP server of resumed connections stopped", zap.Error(err))
		}
	}()
}

// park takes the request's connection over and parks q on ws. It reports
// false, having touched nothing, when the request cannot be parked.
func (p *parkingLot) park(w http.ResponseWriter, q *blockingRead, ws *catalog.WatchSet) bool {
	return p.take(w, q.r, func(pk *parked) {
		q.r = pk.r
		pk.q, pk.group = q, groupOf(q.r)
		pk.timer = time.AfterFunc(time.Until(q.deadline), func() { p.expire(pk) })
		p.registerLocked(pk, ws)
	})
}

// take takes r's connection over from net/http and adds it to the lot,
// calling init with the lot's lock held to set the parked query up. It
// reports false, having touched nothing, when the request cannot be
// parked: not a GET, not HTTP/1.x, a request body, a writer net/http does
// not let go of. A lot that has closed closes the connection instead.
func (p *parkingLot) take(w http.ResponseWriter, r *http.Request, init func(*parked)) bool {
	if p == nil || r.Method != http.MethodGet || r.ProtoMajor != 1 || r.ContentLength != 0 || len(r.TransferEncoding) > 0 {
		return false
	}
	sw := findStatusWriter(w)
	if sw == nil {
		return false
	}
	pk := &parked{r: r.WithContext(valuesOf(r.Context(), p.a.baseCtx))}
	if rec, ok := sw.ResponseWriter.(*recorder); ok {
		// A request relayed by another agent: the answer goes back
		// over RPC, not to a socket.
		pk.deliver = rec.deliver
		rec.parkedAs(func() { p.dropRelayed(pk) })
	} else {
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return false
		}
		conn.SetDeadline(time.Time{})
		if n := brw.Reader.Buffered(); n > 0 {
			// The client pipelined its next request; keep those bytes.
			conn = withBuffered(conn, brw.Reader, n)
		}
		pk.conn = conn
	}
	pk.finish = sw.parked()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		p.answerLater(pk, errShuttingDown)
		return true
	}
	p.a.waiting.Add(1)
	p.all[pk] = struct{}{}
	init(pk)
	return true
}

// answerLater answers pk, which never entered the lot, with err.
func (p *parkingLot) answerLater(pk *parked, err error) {
	if pk.conn != nil {
		pk.conn.Close()
		return
	}
	rw := newRawResponse()
	writeError(rw, err)
	go pk.deliver(rw)
}

// registerLocked adds pk to the waiting list of each notifier of ws it is
// not on yet; the first waiter of a notifier starts its goroutine.
func (p *parkingLot) registerLocked(pk *parked, ws *catalog.WatchSet) {
	if _, in := p.all[pk]; !in {
		return
	}
	pk.queued = false
	for _, ch := range ws.Channels() {
		if slices.Contains(pk.chans, ch) {
			continue
		}
		pk.chans = append(pk.chans, ch)
		waiters, watched := p.byChan[ch]
		if !watched {
			waiters = make(map[*parked]struct{})
			p.byChan[ch] = waiters
			go p.watch(ch)
		}
		waiters[pk] = struct{}{}
	}
}

// watch waits for one notifier and queues the queries parked on it, in
// batches of one group.
func (p *parkingLot) watch(ch <-chan struct{}) {
	select {
	case <-ch:
	case <-p.stop:
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	var groups []string
	batches := make(map[string][]*parked)
	for pk := range p.byChan[ch] {
		pk.chans = slices.DeleteFunc(pk.chans, func(c <-chan struct{}) bool { return c == ch })
		if pk.queued {
			continue
		}
		pk.queued = true
		b, ok := batches[pk.group]
		if !ok {
			groups = append(groups, pk.group)
		}
		if b = append(b, pk); len(b) == parkBatchMax {
			p.enqueueLocked(b)
			b = nil
		}
		batches[pk.group] = b
	}
	delete(p.byChan, ch)
	for _, g := range groups {
		if b := batches[g]; len(b) > 0 {
			p.enqueueLocked(b)
		}
	}
}

// expire marks pk's deadline as passed and queues it alone.
func (p *parkingLot) expire(pk *parked) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pk.expired = true
	if _, in := p.all[pk]; in && !pk.queued {
		pk.queued = true
		p.enqueueLocked([]*parked{pk})
	}
}

// enqueueLocked has a worker resume batch b.
func (p *parkingLot) enqueueLocked(b []*parked) {
	p.doLocked(func() { p.resume(b) })
}

// doLocked hands job to a worker.
func (p *parkingLot) doLocked(job func()) {
	if p.closed {
		return
	}
	p.queue = append(p.queue, job)
	p.ready.Signal()
}

// work runs queued jobs until the lot closes.
func (p *parkingLot) work() {
	defer p.workers.Done()
	for {
		p.mu.Lock()
		for len(p.queue) == 0 && !p.closed {
			p.ready.Wait()
		}
		if p.closed {
			p.mu.Unlock()
			return
		}
		job := p.queue[0]
		p.queue[0] = nil
		p.queue = p.queue[1:]
		p.mu.Unlock()
		job()
	}
}

// resume reads once for a batch, parks again the queries the answer does
// not satisfy yet, and answers the others.
func (p *parkingLot) resume(b []*parked) {
	lead := b[0].q
	ans, ws, err := lead.attempt(lead.r.Context(), false)
	var due []*parked
	p.mu.Lock()
	for _, pk := range b {
		if err == nil && !pk.q.satisfiedBy(ans.index) && !pk.expired && !p.closed {
			p.registerLocked(pk, ws)
		} else {
			due = append(due, pk)
		}
	}
	p.mu.Unlock()
	if len(due) == 0 {
		return
	}
	rw := newRawResponse()
	if err == nil {
		ans.write(rw, lead.r)
	} else {
		p.writeFailure(rw, err)
	}
	p.answer(due, rw)
}

// writeFailure answers with err, or with "shutting down" once the agent
// stops (the dispatcher's rule for requests that fail then).
func (p *parkingLot) writeFailure(rw *rawResponse, err error) {
	if p.a.baseCtx.Err() != nil {
		err = errShuttingDown
	}
	writeError(rw, err)
}

// answer writes rw to the connections of due; the requests' recording
// and the connections' hand-back to net/http (or closing, when the client
// asked to or the write failed) come after. The hand-back costs more than
// the answer (net/http starts a goroutine with buffers for each
// connection), so it is queued behind the answers the workers still have
// to write: after one write every waiting client has its answer first.
func (p *parkingLot) answer(due []*parked, rw *rawResponse) {
	ended := make([]*parked, 0, len(due))
	back := make([]bool, 0, len(due))
	for _, pk := range due {
		if !p.end(pk) {
			continue
		}
		ended = append(ended, pk)
		if pk.deliver != nil {
			pk.deliver(rw)
			back = append(back, false)
			continue
		}
		keepAlive := !pk.r.Close && pk.r.ProtoAtLeast(1, 1) && p.a.baseCtx.Err() == nil
		_, err := pk.conn.Write(rw.bytes(keepAlive))
		back = append(back, err == nil && keepAlive)
	}
	if len(ended) == 0 {
		return
	}
	p.afterAnswers(func() {
		for i, pk := range ended {
			pk.finish(rw.code())
			switch {
			case pk.conn == nil:
			case back[i]:
				p.handback.push(pk.conn)
			default:
				pk.conn.Close()
			}
		}
	})
}

// afterAnswers queues job behind the work already queued, or runs it at
// once when the lot has closed (its connection queue then closes what it
// is handed).
func (p *parkingLot) afterAnswers(job func()) {
	p.mu.Lock()
	closed := p.closed
	p.doLocked(job)
	p.mu.Unlock()
	if closed {
		job()
	}
}

// shutdown answers every parked query with "shutting down", closes their
// connections, and stops the workers and the server of resumed
// connections.
func (p *parkingLot) shutdown(ctx context.Context) error {
	p.mu.Lock()
	p.closed = true
	close(p.stop)
	left := make([]*parked, 0, len(p.all))
	for pk := range p.all {
		left = append(left, pk)
	}
	p.ready.Broadcast()
	p.mu.Unlock()
	rw := newRawResponse()
	writeError(rw, errShuttingDown)
	for _, pk := range left {
		if pk.conn != nil {
			pk.conn.SetWriteDeadline(time.Now().Add(time.Second))
		}
	}
	p.answer(left, rw)
	p.freshMu.Lock()
	for c := range p.fresh {
		c.Close()
	}
	p.freshMu.Unlock()
	err := p.resumed.Shutdown(ctx)
	p.workers.Wait()
	// What the workers left queued runs here: hand-backs (which now close
	// their connections) and wake-ups of queries already answered above.
	p.mu.Lock()
	rest := p.queue
	p.queue = nil
	p.mu.Unlock()
	for _, job := range rest {
		job()
	}
	p.handback.drain()
	return err
}

// sweep drops the parked queries whose clients have gone, until the lot
// closes. Each tick it peeks at up to hangupChecksPerTick sockets, going
// round all of them in turn, so that its cost stays bounded however many
// watchers wait: with 2,000 or fewer each is checked every tick, with
// 100,000 every 50 ticks.
func (p *parkingLot) sweep() {
	defer p.workers.Done()
	tick := time.NewTicker(hangupSweepInterval)
	defer tick.Stop()
	var round []*parked
	for {
		select {
		case <-tick.C:
		case <-p.stop:
			return
		}
		if len(round) == 0 {
			round = p.snapshot()
		}
		n := min(len(round), hangupChecksPerTick)
		for _, pk := range round[:n] {
			if pk.conn != nil && peerGone(pk.conn) {
				p.drop(pk)
			}
		}
		clear(round[:n])
		round = round[n:]
	}
}

// snapshot lists the parked queries.
func (p *parkingLot) snapshot() []*parked {
	p.mu.Lock()
	defer p.mu.Unlock()
	all := make([]*parked, 0, len(p.all))
	for pk := range p.all {
		all = append(all, pk)
	}
	return all
}

// drop forgets a parked query whose client left and closes its socket.
// The request is recorded as the plain path records an abandoned one.
func (p *parkingLot) drop(pk *parked) {
	if p.end(pk) {
		pk.finish(http.StatusOK)
		pk.conn.Close()
		if pk.onDrop != nil {
			pk.onDrop()
		}
	}
}

// errRelayCancelled answers a relayed query whose relaying agent gave up.
var errRelayCancelled = errors.New("relayed query cancelled by the agent that relayed it")

// dropRelayed ends a parked relayed query whose relaying agent cancelled
// it, answering so that the agent's call completes.
func (p *parkingLot) dropRelayed(pk *parked) {
	rw := newRawResponse()
	writeError(rw, errRelayCancelled)
	p.answer([]*parked{pk}, rw)
}

// end takes pk out of the lot. It reports false if pk is not in it: another
// goroutine ended it first, or it never entered a lot that had closed.
func (p *parkingLot) end(pk *parked) bool {
	p.mu.Lock()
	if _, in := p.all[pk]; !in {
		p.mu.Unlock()
		return false
	}
	delete(p.all, pk)
	for _, ch := range pk.chans {
		delete(p.byChan[ch], pk)
	}
	p.mu.Unlock()
	if pk.timer != nil {
		pk.timer.Stop()
	}
	p.a.waiting.Add(-1)
	return true
}

// groupOf names what a request asks for, leaving out ?index and ?wait:
// the method, path, other parameters and token.
func groupOf(r *http.Request) string {
	q := r.URL.Query()
	q.Del("index")
	q.Del("wait")
	return r.Method + " " + r.URL.Path + "?" + q.Encode() + "\x00" + requestToken(r.Context())
}

// valuesCtx has the values of one context and the lifetime of another: a
// parked query keeps its request's values (token, authorizer) but lives
// until the agent stops, not until its handler returned.
type valuesCtx struct {
	context.Context
	values context.Context
}

func valuesOf(values, life context.Context) context.Context {
	return valuesCtx{Context: life, values: values}
}

// Value looks key up in the request's context.
func (c valuesCtx) Value(key any) any { return c.values.Value(key) }
