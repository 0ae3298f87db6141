package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestRawConnSpeaksKeepAliveHTTP(t *testing.T) {
	var dials atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/echo":
			w.Write([]byte(r.Method + " " + r.URL.RawQuery + " " + string(body)))
		case "/chunked":
			w.Write([]byte("one,"))
			w.(http.Flusher).Flush()
			w.Write([]byte("two"))
		case "/close":
			w.Header().Set("Connection", "close")
			w.Write([]byte("bye"))
		default:
			http.Error(w, "no such thing", http.StatusNotFound)
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			dials.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	c := newRawConn(srv.Listener.Addr().String(), 10*time.Second)
	defer c.Close()
	ctx := context.Background()

	status, body, err := c.do(ctx, "PUT", "/echo?x=1", []byte("value"))
	require.NoError(t, err)
	require.Equal(t, 200, status)
	require.Equal(t, "PUT x=1 value", string(body))
	require.NoError(t, c.call(ctx, "GET", "/echo", nil, "GET"))
	require.NoError(t, c.call(ctx, "GET", "/chunked", nil, "one,two"))
	status, body, err = c.do(ctx, "HEAD", "/echo", nil)
	require.NoError(t, err)
	require.Equal(t, 200, status)
	require.Empty(t, body)
	require.Equal(t, int32(1), dials.Load(), "one connection carried every request")

	err = c.call(ctx, "GET", "/missing", nil, "")
	require.ErrorContains(t, err, "404 Not Found: no such thing")
	require.ErrorContains(t, c.call(ctx, "GET", "/echo", nil, "something else"), `answered "GET  "`)

	require.NoError(t, c.call(ctx, "GET", "/close", nil, "bye"))
	require.NoError(t, c.call(ctx, "GET", "/echo", nil, ""))
	require.Equal(t, int32(2), dials.Load(), "a Connection: close answer makes the next request dial again")
}

func TestRawConnRefusesMalformedAnswers(t *testing.T) {
	for _, answer := range []string{
		"garbage\r\n\r\n",
		"HTTP/1.1 2x0 OK\r\n\r\n",
		"HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n",
		"HTTP/1.1 200 OK\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX",
		"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
	} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		go func() {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			defer conn.Close()
			bufio.NewReader(conn).ReadString('\n')
			io.WriteString(conn, answer)
		}()
		c := newRawConn(ln.Addr().String(), 10*time.Second)
		_, _, err = c.do(context.Background(), "GET", "/", nil)
		require.Error(t, err, "answer %q", answer)
		require.Nil(t, c.conn, "a failed request closes its connection")
		ln.Close()
	}
}

func TestAppendRequest(t *testing.T) {
	got := string(appendRequest(nil, "PUT", "h:1", "/v1/kv/k", []byte("v")))
	require.Equal(t, "PUT /v1/kv/k HTTP/1.1\r\nHost: h:1\r\nContent-Length: 1\r\n\r\nv", got)
	got = string(appendRequest(nil, "GET", "h:1", "/x", nil))
	require.Equal(t, "GET /x HTTP/1.1\r\nHost: h:1\r\n\r\n", got)
	require.True(t, strings.HasPrefix(string(appendRequest(nil, "PUT", "h", "/", nil)), "PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n"))
}
