package plugin

import "google.golang.org/grpc"

// localWindow is the HTTP/2 flow-control window of the host–plugin
// connection. A fixed window turns off gRPC's bandwidth-delay estimator,
// which otherwise answers data frames with PINGs meant to size the window
// for a network: on a local socket they only add writes and wake-ups to
// every call. 1 MiB is far above any message the contract carries, so flow
// control never stalls a call.
const localWindow = 1 << 20

// localDialOptions are the host side's gRPC settings for a plugin on the
// same machine.
func localDialOptions() []grpc.DialOption {
	return []grpc.DialOption{
		grpc.WithInitialWindowSize(localWindow),
		grpc.WithInitialConnWindowSize(localWindow),
	}
}

// localServerOptions are the plugin side's.
func localServerOptions() []grpc.ServerOption {
	return []grpc.ServerOption{
		grpc.InitialWindowSize(localWindow),
		grpc.InitialConnWindowSize(localWindow),
	}
}
