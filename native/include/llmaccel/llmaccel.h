/*
 * llmaccel CPU library (libllmaccel.so): the one header the Java binding includes.
 * Each op family has its own header; this one gathers them.
 */
#ifndef LLMACCEL_H
#define LLMACCEL_H

#include "llmaccel/common.h"
#include "llmaccel/attention.h"
#include "llmaccel/elementwise.h"
#include "llmaccel/embedding.h"
#include "llmaccel/matmul.h"
#include "llmaccel/norm.h"
#include "llmaccel/paged_attention.h"
#include "llmaccel/probe.h"
#include "llmaccel/rope.h"
#include "llmaccel/sampling.h"

#endif
