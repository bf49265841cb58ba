// SPDX-License-Identifier: GPL-2.0
/*
 * rp-true: exits 0 at once. The smallest static program `rp-bench exec` can time; busybox
 * `true` would add its applet lookup to every exec.
 */
int main(void)
{
	return 0;
}
