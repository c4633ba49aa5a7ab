package pgwire

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/xdg-go/scram"
)

const scramMechanism = "SCRAM-SHA-256"

// scramIterations is the PBKDF2 iteration count of stored credentials
// (Postgres' default).
const scramIterations = 4096

// storedCredentials derives SCRAM-SHA-256 credentials from a password with
// a random salt.
func storedCredentials(password string) (scram.StoredCredentials, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return scram.StoredCredentials{}, err
	}
	client, err := scram.SHA256.NewClient("", password, "")
	if err != nil {
		return scram.StoredCredentials{}, err
	}
	return client.GetStoredCredentialsWithError(scram.KeyFactors{Salt: string(salt), Iters: scramIterations})
}

// maxMockCredentials bounds the cache of unknown users' credentials (the
// names are the client's choice); beyond it they are derived again for
// each attempt, to the same values.
const maxMockCredentials = 1024

// mockCredentials returns the made-up credentials of a user that does not
// exist. As in PostgreSQL (scram_mock_salt), they are derived from the user
// name and a per-server secret: every attempt for the same name sees the
// same salt and iteration count, as it would for a real user, so comparing
// two attempts does not tell whether the user exists. Deriving them costs a
// few HMACs, not a PBKDF2 run, so the time taken does not tell either (a
// real user's credentials are computed once, at start).
func (s *Server) mockCredentials(user string) scram.StoredCredentials {
	s.mockMu.Lock()
	defer s.mockMu.Unlock()
	if creds, ok := s.mocks[user]; ok {
		return creds
	}
	derive := func(label string) []byte {
		m := hmac.New(sha256.New, s.mockSecret[:])
		m.Write([]byte(label))
		m.Write([]byte{0})
		m.Write([]byte(user))
		return m.Sum(nil)
	}
	creds := scram.StoredCredentials{
		KeyFactors: scram.KeyFactors{Salt: string(derive("salt")[:16]), Iters: scramIterations},
		StoredKey:  derive("stored"),
		ServerKey:  derive("server"),
	}
	if len(s.mocks) < maxMockCredentials {
		s.mocks[user] = creds
	}
	return creds
}

// errAuthFailed reports a failed password authentication.
var errAuthFailed = errors.New("pgwire: password authentication failed")

// authenticateSCRAM runs SCRAM-SHA-256 for user, the startup user: drivers
// send an empty name inside the SASL message. An unknown user goes through
// the same exchange with made-up credentials and fails at the proof, so
// that the answer does not tell which users exist.
func (c *conn) authenticateSCRAM(user string) error {
	creds, ok := c.srv.users[user]
	if !ok {
		creds = c.srv.mockCredentials(user)
	}
	srv, err := scram.SHA256.NewServer(func(string) (scram.StoredCredentials, error) { return creds, nil })
	if err != nil {
		return err
	}
	conv := srv.NewConversation()

	c.be.Send(&pgproto3.AuthenticationSASL{AuthMechanisms: []string{scramMechanism}})
	if err := c.be.Flush(); err != nil {
		return err
	}
	if err := c.be.SetAuthType(pgproto3.AuthTypeSASL); err != nil {
		return err
	}
	msg, err := c.be.Receive()
	if err != nil {
		return err
	}
	first, ok := msg.(*pgproto3.SASLInitialResponse)
	if !ok {
		return errorf(codeProtocolViolation, "expected SASL response, got %T", msg)
	}
	if first.AuthMechanism != scramMechanism {
		return errorf(codeProtocolViolation, "invalid SASL authentication mechanism %q", first.AuthMechanism)
	}
	out, err := conv.Step(string(first.Data))
	if err != nil {
		return errAuthFailed
	}
	c.be.Send(&pgproto3.AuthenticationSASLContinue{Data: []byte(out)})
	if err := c.be.Flush(); err != nil {
		return err
	}
	if err := c.be.SetAuthType(pgproto3.AuthTypeSASLContinue); err != nil {
		return err
	}
	msg, err = c.be.Receive()
	if err != nil {
		return err
	}
	final, ok := msg.(*pgproto3.SASLResponse)
	if !ok {
		return errorf(codeProtocolViolation, "expected SASL response, got %T", msg)
	}
	out, err = conv.Step(string(final.Data))
	if err != nil || !ok || !conv.Valid() {
		return errAuthFailed
	}
	c.be.Send(&pgproto3.AuthenticationSASLFinal{Data: []byte(out)})
	return c.be.SetAuthType(pgproto3.AuthTypeOk)
}
