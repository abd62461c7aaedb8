//go:build !unix

package plugincheck

import "context"

func (c *checker) checkHostGone(context.Context) {
	c.rep.add("host_gone", Skip, "checked on Unix only")
}
