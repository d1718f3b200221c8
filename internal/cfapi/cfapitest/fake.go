// Package cfapitest is a fake of the parts of Cloudflare's API that
// internal/cfapi calls, for tests: an httptest server holding Logpush jobs
// and Worker script settings in memory, answering with the API's envelope
// ({"success", "errors", "result"}) and its status codes, a token check
// (401 for a wrong token, 403 "Authentication error" code 10000 for a
// token without the permission), and a log of the requests received.
package cfapitest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
)

// Request is one request the fake received.
type Request struct {
	Method, Path string
	Body         string
	Auth         string
}

// Server is the fake API; its URL (Server.URL) is the base URL.
type Server struct {
	*httptest.Server
	Token   string
	Account string

	mu sync.Mutex
	// Jobs are the account's Logpush jobs as the API returns them.
	jobs   []map[string]any
	nextID int64
	// Scripts maps a Worker's name to its "logpush" setting.
	scripts map[string]bool
	// Deny makes the token lack a permission: "logs" (Logpush endpoints)
	// or "scripts" (Workers script settings).
	deny     map[string]bool
	requests []Request
}

// New starts a fake for one account and token; Close it when done.
func New(account, token string) *Server {
	s := &Server{Token: token, Account: account, nextID: 1000, scripts: map[string]bool{}, deny: map[string]bool{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// AddJob stores a job (as the API would return it) and gives it an id
// when it has none; it returns the id.
func (s *Server) AddJob(job map[string]any) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := job["id"].(int64)
	if !ok {
		s.nextID++
		id = s.nextID
	}
	job["id"] = id
	s.jobs = append(s.jobs, job)
	return id
}

// Jobs returns a copy of the stored jobs.
func (s *Server) Jobs() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]map[string]any, len(s.jobs))
	for i, j := range s.jobs {
		c := map[string]any{}
		for k, v := range j {
			c[k] = v
		}
		out[i] = c
	}
	return out
}

// SetScript sets a Worker's "logpush" setting.
func (s *Server) SetScript(name string, logpush bool) {
	s.mu.Lock()
	s.scripts[name] = logpush
	s.mu.Unlock()
}

// Deny takes a permission from the token: "logs" or "scripts".
func (s *Server) Deny(what string) {
	s.mu.Lock()
	s.deny[what] = true
	s.mu.Unlock()
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

type apiError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func reply(w http.ResponseWriter, status int, result any, errs ...apiError) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if errs == nil {
		errs = []apiError{}
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"success": status < 300, "errors": errs, "messages": []any{}, "result": result})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Body: string(body), Auth: r.Header.Get("Authorization")})
	s.mu.Unlock()

	if r.Header.Get("Authorization") != "Bearer "+s.Token {
		reply(w, http.StatusUnauthorized, nil, apiError{1000, "Invalid API Token"})
		return
	}
	prefix := "/accounts/" + s.Account + "/"
	rest, ok := strings.CutPrefix(r.URL.Path, prefix)
	if !ok {
		reply(w, http.StatusForbidden, nil, apiError{10000, "Authentication error"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case strings.HasPrefix(rest, "logpush/jobs"):
		if s.deny["logs"] {
			reply(w, http.StatusForbidden, nil, apiError{10000, "Authentication error"})
			return
		}
		s.jobsEndpoint(w, r, strings.TrimPrefix(strings.TrimPrefix(rest, "logpush/jobs"), "/"), body)
	case strings.HasPrefix(rest, "workers/scripts/") && strings.HasSuffix(rest, "/script-settings") && r.Method == http.MethodGet:
		if s.deny["scripts"] {
			reply(w, http.StatusForbidden, nil, apiError{10000, "Authentication error"})
			return
		}
		name := strings.TrimSuffix(strings.TrimPrefix(rest, "workers/scripts/"), "/script-settings")
		on, ok := s.scripts[name]
		if !ok {
			reply(w, http.StatusNotFound, nil, apiError{10007, "This Worker does not exist on your account."})
			return
		}
		reply(w, http.StatusOK, map[string]any{"logpush": on, "tail_consumers": nil})
	default:
		reply(w, http.StatusNotFound, nil, apiError{7003, "Could not route to " + r.URL.Path})
	}
}

func (s *Server) jobsEndpoint(w http.ResponseWriter, r *http.Request, idPart string, body []byte) {
	if idPart == "" {
		switch r.Method {
		case http.MethodGet:
			reply(w, http.StatusOK, s.jobs)
		case http.MethodPost:
			var in map[string]any
			if json.Unmarshal(body, &in) != nil || in["dataset"] == nil || in["destination_conf"] == nil {
				reply(w, http.StatusBadRequest, nil, apiError{1004, "dataset and destination_conf are required"})
				return
			}
			s.nextID++
			job := map[string]any{"id": s.nextID, "kind": "", "enabled": false, "name": nil, "logpull_options": nil, "output_options": nil,
				"last_complete": nil, "last_error": nil, "error_message": nil, "frequency": "high"}
			for k, v := range in {
				job[k] = v
			}
			s.jobs = append(s.jobs, job)
			reply(w, http.StatusOK, job)
		default:
			reply(w, http.StatusMethodNotAllowed, nil, apiError{10405, "Method not allowed"})
		}
		return
	}
	id, err := strconv.ParseInt(idPart, 10, 64)
	i := -1
	for k, j := range s.jobs {
		if n, ok := j["id"].(int64); ok && n == id {
			i = k
		}
	}
	if err != nil || i < 0 {
		reply(w, http.StatusNotFound, nil, apiError{1002, "job not found"})
		return
	}
	switch r.Method {
	case http.MethodGet:
		reply(w, http.StatusOK, s.jobs[i])
	case http.MethodPut:
		var in map[string]any
		if json.Unmarshal(body, &in) != nil {
			reply(w, http.StatusBadRequest, nil, apiError{1004, "malformed body"})
			return
		}
		for k, v := range in {
			s.jobs[i][k] = v
		}
		reply(w, http.StatusOK, s.jobs[i])
	case http.MethodDelete:
		s.jobs = append(s.jobs[:i], s.jobs[i+1:]...)
		reply(w, http.StatusOK, map[string]any{})
	default:
		reply(w, http.StatusMethodNotAllowed, nil, apiError{10405, "Method not allowed"})
	}
}
