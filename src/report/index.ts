export { renderReport, writeReport, writeFigureHtml, type ReportOptions, type ReportSection, type ReportTable } from './report';
export { htmlTable, type TableOptions } from './table';
export { formatNumber, formatCell } from './format';
