// SPDX-License-Identifier: GPL-2.0
/*
 * The tracepoints of trace.h, instantiated here once (CREATE_TRACE_POINTS).
 * Each costs a static branch while disabled.
 */
#include "etp.h"

#define CREATE_TRACE_POINTS
#include "trace.h"
