package rpc

// Observer is told of each call a Server starts serving, with the called
// method (always a registered one, so a bounded set fit for a metric
// label), and returns the function the Server calls with the handler's
// error (nil on success) when the handler replies. Calls whose stream
// closed before the reply are not reported as finished.
type Observer func(method string) (finish func(err error))

// Observe makes the server report every call of a registered method to o,
// for metrics. It must be called before the server serves.
func (s *Server) Observe(o Observer) { s.observer = o }

// started reports the start of a call and returns its finish function,
// which does nothing without an observer.
func (s *Server) started(method string) func(error) {
	if s.observer == nil {
		return func(error) {}
	}
	return s.observer(method)
}
